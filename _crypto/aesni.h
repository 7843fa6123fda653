/*
 * aesni.h -- the AES core of refdidcomm's native backend (our own C).
 *
 * What libsodium does not offer: AES-128/192/256 block encryption
 * (FIPS-197), CBC with PKCS#7 padding (NIST SP 800-38A §6.2, RFC 5652 §6.3)
 * and AES Key Wrap (RFC 3394 §2.2), with the AES-NI instructions.
 *
 * Every function checks for AES-NI itself (CPUID, cached) and returns
 * REFDIDCOMM_AES_MISUSE without touching an AES instruction when the CPU
 * lacks it; the Python side asks refdidcomm_aesni_available() first and uses
 * the pure-Python modules instead.
 *
 * Return codes:
 *   REFDIDCOMM_AES_OK      success;
 *   REFDIDCOMM_AES_FAIL    the one opaque failure of a decryption or unwrap
 *                          (bad length, bad padding, bad integrity check);
 *   REFDIDCOMM_AES_MISUSE  a caller bug or an unsupported host: key length
 *                          not 16/24/32, size overflow, no AES-NI.
 */
#ifndef REFDIDCOMM_AESNI_H
#define REFDIDCOMM_AESNI_H

#include <stddef.h>
#include <stdint.h>

#define REFDIDCOMM_AES_BLOCK_BYTES 16
#define REFDIDCOMM_AES_KEYWRAP_SEMIBLOCK_BYTES 8

#define REFDIDCOMM_AES_OK 0
#define REFDIDCOMM_AES_FAIL (-1)
#define REFDIDCOMM_AES_MISUSE (-2)

/* 1 when the CPU has the AES instructions (CPUID leaf 1, ECX bit 25) and
 * SSE2 (EDX bit 26), else 0. Always 0 on non-x86 hosts. */
int refdidcomm_aesni_available(void);

/* One block, FIPS-197 §5.1 Cipher / §5.3.5 Equivalent Inverse Cipher.
 * key: key_len (16, 24 or 32) bytes; in, out: 16 bytes (may alias). */
int refdidcomm_aes_encrypt_block(const uint8_t *key, size_t key_len,
                                 const uint8_t *in, uint8_t *out);
int refdidcomm_aes_decrypt_block(const uint8_t *key, size_t key_len,
                                 const uint8_t *in, uint8_t *out);

/* CBC (SP 800-38A §6.2) with PKCS#7 padding of 1..16 bytes.
 * Encrypt: ct must hold pt_len - pt_len % 16 + 16 bytes (always written in
 * full). Decrypt: ct_len must be a positive multiple of 16; pt must hold
 * ct_len bytes; *pt_len receives the unpadded length. The padding check runs
 * in constant time and fails with the one code REFDIDCOMM_AES_FAIL, after
 * which pt is zeroed. */
int refdidcomm_aes_cbc_encrypt(const uint8_t *key, size_t key_len,
                               const uint8_t *iv, const uint8_t *pt,
                               size_t pt_len, uint8_t *ct);
int refdidcomm_aes_cbc_decrypt(const uint8_t *key, size_t key_len,
                               const uint8_t *iv, const uint8_t *ct,
                               size_t ct_len, uint8_t *pt, size_t *pt_len);

/* AES Key Wrap with the default IV A6A6A6A6A6A6A6A6 (RFC 3394 §2.2.1/2.2.3).
 * Wrap: key_len a multiple of 8, at least 16; out holds key_len + 8 bytes.
 * Unwrap: in_len a multiple of 8, at least 24 (else REFDIDCOMM_AES_FAIL);
 * out holds in_len - 8 bytes and is zeroed on failure. */
int refdidcomm_aes_key_wrap(const uint8_t *kek, size_t kek_len,
                            const uint8_t *key, size_t key_len, uint8_t *out);
int refdidcomm_aes_key_unwrap(const uint8_t *kek, size_t kek_len,
                              const uint8_t *in, size_t in_len, uint8_t *out);

#endif /* REFDIDCOMM_AESNI_H */
