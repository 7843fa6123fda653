/*
 * b64url.h -- the base64url codec of refdidcomm's native backend (our own C).
 *
 * base64url as JOSE uses it: RFC 4648 §5 (the URL- and filename-safe
 * alphabet, Table 2) with the padding omitted (RFC 7515 §2). The decoder is
 * strict, with exactly the rules of refdidcomm.encoding.b64url_decode and
 * the same precedence between them (the first that applies is reported):
 *
 *   1. REFDIDCOMM_B64URL_PADDING      an '=' anywhere in the input;
 *   2. REFDIDCOMM_B64URL_INVALID_CHAR any other byte outside the alphabet
 *                                     (whitespace, '+', '/', bytes >= 0x80);
 *   3. REFDIDCOMM_B64URL_BAD_LENGTH   a length of 1 mod 4 (RFC 7515
 *                                     Appendix C: one character cannot hold
 *                                     a byte);
 *   4. REFDIDCOMM_B64URL_NONCANONICAL non-zero pad bits in the last
 *                                     character (RFC 4648 §3.5).
 *
 * Output sizes: refdidcomm_b64url_encoded_length(n) characters for n bytes,
 * refdidcomm_b64url_decoded_length(n) bytes for n characters (the latter for
 * any n, including lengths of 1 mod 4, so that a caller can size the buffer
 * before it knows whether the input is valid). Each function checks out_cap
 * against that size and returns REFDIDCOMM_B64URL_MISUSE, writing nothing,
 * when the buffer is too small or the size does not fit in size_t.
 * Neither function writes a terminating NUL.
 *
 * Timing: table lookups and branches depend on the data. base64url in
 * refdidcomm carries public data (JWE/JWS members of a message on the wire),
 * so this codec is not constant time and says so.
 */
#ifndef REFDIDCOMM_B64URL_H
#define REFDIDCOMM_B64URL_H

#include <stddef.h>
#include <stdint.h>

#define REFDIDCOMM_B64URL_OK 0
#define REFDIDCOMM_B64URL_PADDING 1
#define REFDIDCOMM_B64URL_INVALID_CHAR 2
#define REFDIDCOMM_B64URL_BAD_LENGTH 3
#define REFDIDCOMM_B64URL_NONCANONICAL 4
#define REFDIDCOMM_B64URL_MISUSE (-2)

/* Characters for n bytes: 4 per full 3-byte group, then 2 or 3 for a final
 * group of 1 or 2 bytes. (size_t)-1 when that does not fit in size_t. */
size_t refdidcomm_b64url_encoded_length(size_t n);

/* Bytes for n characters: 3 per full 4-character group, then 1 or 2 for a
 * final group of 2 or 3 characters (0 for a final single character, which
 * the decoder rejects). */
size_t refdidcomm_b64url_decoded_length(size_t n);

/* Encode in_len bytes into refdidcomm_b64url_encoded_length(in_len)
 * characters of out (out_cap bytes available). in may be NULL if in_len is 0. */
int refdidcomm_b64url_encode(const uint8_t *in, size_t in_len, char *out, size_t out_cap);

/* Decode in_len characters into refdidcomm_b64url_decoded_length(in_len)
 * bytes of out (out_cap bytes available). Returns REFDIDCOMM_B64URL_OK or
 * one of the error codes above; on an error, the contents of out are
 * unspecified (partly written). */
int refdidcomm_b64url_decode(const char *in, size_t in_len, uint8_t *out, size_t out_cap);

#endif /* REFDIDCOMM_B64URL_H */
