/*
 * b64url.c -- base64url without padding, and its strict decoder. Written for
 * refdidcomm (see b64url.h for the contract and the error precedence).
 *
 * Specifications (facts taken from them; no code copied from anywhere):
 *   RFC 4648 §4: 24-bit groups of 3 bytes become 4 characters of 6 bits,
 *     most significant bits first; a final group of 1 or 2 bytes becomes 2
 *     or 3 characters whose unused low bits ("pad bits") are zero.
 *   RFC 4648 §5, Table 2: the URL- and filename-safe alphabet, values 0..63
 *     = A-Z, a-z, 0-9, '-', '_'.
 *   RFC 4648 §3.5: decoders MAY reject an encoding whose pad bits are not
 *     zero (we do: one byte string, one text).
 *   RFC 7515 §2: base64url "with all trailing '=' characters omitted" and
 *     "without the inclusion of any line breaks, whitespace, or other
 *     additional characters"; Appendix C: a length of 1 mod 4 is illegal.
 *
 * Method: plain table lookups, no SIMD.
 *   Encoding looks up two characters at a time in a table of the 4096
 *     12-bit values (8 KiB), so a 3-byte group costs two lookups.
 *   Decoding looks up each character in one of four 256-entry tables that
 *     hold its 6-bit value already shifted into place for its position in
 *     the 4-character group (18, 12, 6 or 0 bits); OR-ing the four gives the
 *     24-bit group. A byte outside the alphabet maps to a flag bit (bit 24)
 *     in every table; the flags are OR-ed into one accumulator and looked at
 *     once, after the loop, so valid input (the common case) runs without a
 *     branch per character. Only when the flag is set is the input scanned
 *     again to tell '=' (padding) from other invalid bytes.
 *   Every table is a constant built by the preprocessor from the alphabet
 *     rule below, so there is no initialisation and nothing to race on.
 *
 * Memory safety: every read is within in[0 .. in_len) and every write within
 * out[0 .. encoded/decoded length), which is checked against out_cap first.
 *
 * Timing: NOT constant time (data-dependent lookups and branches). It is
 * used for public data only (see b64url.h).
 */
#include <string.h>

#include "b64url.h"

/* The alphabet below is written for an ASCII execution character set
 * (letters and digits contiguous), which every supported compiler uses. */
_Static_assert('Z' - 'A' == 25 && 'z' - 'a' == 25 && '9' - '0' == 9, "ASCII letters and digits");
_Static_assert('-' == 0x2d && '_' == 0x5f && '=' == 0x3d, "ASCII '-', '_' and '='");

/* RFC 4648 §5 Table 2: the character of a 6-bit value v (0 <= v < 64). */
#define B64U_CHAR(v)                                                 \
    ((v) < 26   ? 'A' + (v)                                          \
     : (v) < 52 ? 'a' + ((v) - 26)                                   \
     : (v) < 62 ? '0' + ((v) - 52)                                   \
     : (v) == 62 ? '-'                                               \
                 : '_')

/* The inverse: the 6-bit value of byte c, or -1 when c is not in Table 2. */
#define B64U_VALUE(c)                                                \
    ((c) >= 'A' && (c) <= 'Z'   ? (c) - 'A'                          \
     : (c) >= 'a' && (c) <= 'z' ? (c) - 'a' + 26                     \
     : (c) >= '0' && (c) <= '9' ? (c) - '0' + 52                     \
     : (c) == '-'               ? 62                                 \
     : (c) == '_'               ? 63                                 \
                                : -1)

static const char alphabet[65] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* pairs[v] for a 12-bit value v = (hi << 6) | lo: the two characters of hi
 * and lo. Generated as 64 rows (hi) of 64 entries (lo). */
#define B64U_PAIR(hi, lo) {B64U_CHAR(hi), B64U_CHAR(lo)}
#define B64U_PAIRS8(hi, lo)                                                              \
    B64U_PAIR(hi, (lo) + 0), B64U_PAIR(hi, (lo) + 1), B64U_PAIR(hi, (lo) + 2),           \
        B64U_PAIR(hi, (lo) + 3), B64U_PAIR(hi, (lo) + 4), B64U_PAIR(hi, (lo) + 5),       \
        B64U_PAIR(hi, (lo) + 6), B64U_PAIR(hi, (lo) + 7)
#define B64U_ROW(hi)                                                                     \
    B64U_PAIRS8(hi, 0), B64U_PAIRS8(hi, 8), B64U_PAIRS8(hi, 16), B64U_PAIRS8(hi, 24),    \
        B64U_PAIRS8(hi, 32), B64U_PAIRS8(hi, 40), B64U_PAIRS8(hi, 48), B64U_PAIRS8(hi, 56)
#define B64U_ROWS8(hi)                                                                   \
    B64U_ROW((hi) + 0), B64U_ROW((hi) + 1), B64U_ROW((hi) + 2), B64U_ROW((hi) + 3),      \
        B64U_ROW((hi) + 4), B64U_ROW((hi) + 5), B64U_ROW((hi) + 6), B64U_ROW((hi) + 7)

static const char pairs[4096][2] = {
    B64U_ROWS8(0),  B64U_ROWS8(8),  B64U_ROWS8(16), B64U_ROWS8(24),
    B64U_ROWS8(32), B64U_ROWS8(40), B64U_ROWS8(48), B64U_ROWS8(56),
};

/* Decoding tables: dec<s>[c] = value(c) << s, or INVALID for a byte outside
 * the alphabet. INVALID (bit 24) lies above the 24 bits of a group, so it
 * survives the OR of a group and never reaches the output bytes. */
#define B64U_INVALID 0x01000000u
#define B64U_DEC(c, s) (B64U_VALUE(c) < 0 ? B64U_INVALID : (uint32_t)(B64U_VALUE(c)) << (s))
#define B64U_DEC16(c, s)                                                                 \
    B64U_DEC((c) + 0, s), B64U_DEC((c) + 1, s), B64U_DEC((c) + 2, s), B64U_DEC((c) + 3, s), \
        B64U_DEC((c) + 4, s), B64U_DEC((c) + 5, s), B64U_DEC((c) + 6, s),                \
        B64U_DEC((c) + 7, s), B64U_DEC((c) + 8, s), B64U_DEC((c) + 9, s),                \
        B64U_DEC((c) + 10, s), B64U_DEC((c) + 11, s), B64U_DEC((c) + 12, s),             \
        B64U_DEC((c) + 13, s), B64U_DEC((c) + 14, s), B64U_DEC((c) + 15, s)
#define B64U_DEC_TABLE(s)                                                                \
    {                                                                                    \
        B64U_DEC16(0, s), B64U_DEC16(16, s), B64U_DEC16(32, s), B64U_DEC16(48, s),       \
            B64U_DEC16(64, s), B64U_DEC16(80, s), B64U_DEC16(96, s), B64U_DEC16(112, s), \
            B64U_DEC16(128, s), B64U_DEC16(144, s), B64U_DEC16(160, s),                  \
            B64U_DEC16(176, s), B64U_DEC16(192, s), B64U_DEC16(208, s),                  \
            B64U_DEC16(224, s), B64U_DEC16(240, s)                                       \
    }

static const uint32_t dec18[256] = B64U_DEC_TABLE(18);
static const uint32_t dec12[256] = B64U_DEC_TABLE(12);
static const uint32_t dec6[256] = B64U_DEC_TABLE(6);
static const uint32_t dec0[256] = B64U_DEC_TABLE(0);

_Static_assert(sizeof pairs == 8192, "4096 pairs of characters");

size_t refdidcomm_b64url_encoded_length(size_t n)
{
    size_t groups = n / 3, rem = n % 3;
    if (groups > (SIZE_MAX - 3) / 4) {
        return SIZE_MAX;
    }
    return 4 * groups + (rem ? rem + 1 : 0);
}

size_t refdidcomm_b64url_decoded_length(size_t n)
{
    size_t rem = n % 4;
    return 3 * (n / 4) + (rem >= 2 ? rem - 1 : 0);
}

int refdidcomm_b64url_encode(const uint8_t *in, size_t in_len, char *out, size_t out_cap)
{
    size_t need = refdidcomm_b64url_encoded_length(in_len);
    size_t groups = in_len / 3, i;
    uint32_t v;

    if (need == SIZE_MAX || need > out_cap) {
        return REFDIDCOMM_B64URL_MISUSE;
    }
    /* Full groups: 24 bits -> two 12-bit halves -> four characters. */
    for (i = 0; i < groups; i++) {
        v = (uint32_t)in[0] << 16 | (uint32_t)in[1] << 8 | in[2];
        memcpy(out, pairs[v >> 12], 2);
        memcpy(out + 2, pairs[v & 0xfff], 2);
        in += 3;
        out += 4;
    }
    /* A final group of 1 byte (2 characters, 4 zero pad bits) or 2 bytes
     * (3 characters, 2 zero pad bits); no '=' (RFC 7515 §2). */
    switch (in_len % 3) {
    case 1:
        v = (uint32_t)in[0] << 16;
        memcpy(out, pairs[v >> 12], 2);
        break;
    case 2:
        v = (uint32_t)in[0] << 16 | (uint32_t)in[1] << 8;
        memcpy(out, pairs[v >> 12], 2);
        out[2] = alphabet[(v >> 6) & 63];
        break;
    default:
        break;
    }
    return REFDIDCOMM_B64URL_OK;
}

int refdidcomm_b64url_decode(const char *in, size_t in_len, uint8_t *out, size_t out_cap)
{
    const uint8_t *p = (const uint8_t *)in;
    size_t groups = in_len / 4, rem = in_len % 4, i;
    uint32_t x, bad = 0, t[3] = {0, 0, 0};

    if (refdidcomm_b64url_decoded_length(in_len) > out_cap) {
        return REFDIDCOMM_B64URL_MISUSE;
    }
    /* Full groups: four characters -> 24 bits -> three bytes. */
    for (i = 0; i < groups; i++) {
        x = dec18[p[0]] | dec12[p[1]] | dec6[p[2]] | dec0[p[3]];
        bad |= x;
        out[0] = (uint8_t)(x >> 16);
        out[1] = (uint8_t)(x >> 8);
        out[2] = (uint8_t)x;
        p += 4;
        out += 3;
    }
    /* The 1..3 characters of a final partial group: their plain values. */
    for (i = 0; i < rem; i++) {
        t[i] = dec0[p[i]];
        bad |= t[i];
    }
    /* Rules 1 and 2 (b64url.h): every character is checked before the
     * length, as refdidcomm.encoding does; '=' anywhere wins. */
    if (bad & B64U_INVALID) {
        return memchr(in, '=', in_len) != NULL ? REFDIDCOMM_B64URL_PADDING : REFDIDCOMM_B64URL_INVALID_CHAR;
    }
    switch (rem) {
    case 1: /* Rule 3: 6 bits cannot hold a byte (RFC 7515 Appendix C). */
        return REFDIDCOMM_B64URL_BAD_LENGTH;
    case 2: /* 12 bits: one byte and 4 pad bits, which must be zero (rule 4). */
        if (t[1] & 0x0f) {
            return REFDIDCOMM_B64URL_NONCANONICAL;
        }
        out[0] = (uint8_t)(t[0] << 2 | t[1] >> 4);
        break;
    case 3: /* 18 bits: two bytes and 2 pad bits, which must be zero (rule 4). */
        if (t[2] & 0x03) {
            return REFDIDCOMM_B64URL_NONCANONICAL;
        }
        out[0] = (uint8_t)(t[0] << 2 | t[1] >> 4);
        out[1] = (uint8_t)((t[1] & 0x0f) << 4 | t[2] >> 2);
        break;
    default:
        break;
    }
    return REFDIDCOMM_B64URL_OK;
}
