/*
 * aesni.c -- AES with the AES-NI instructions: key expansion, single blocks,
 * CBC with PKCS#7 padding, and RFC 3394 key wrap. Written for refdidcomm.
 *
 * Specifications (facts taken from them; no code copied from anywhere):
 *   FIPS-197 (AES): §5.1 Cipher, §5.2 KeyExpansion (Figure 11), §5.3.5
 *     Equivalent Inverse Cipher, §4.2.1 xtime() for the round constants.
 *   NIST SP 800-38A §6.2: CBC mode.
 *   RFC 5652 §6.3: the padding (k - (l mod k) bytes, each of that value).
 *   RFC 3394 §2.2.1 (wrap, index-based form), §2.2.2 (unwrap, index-based),
 *     §2.2.3.1 (default initial value A6A6A6A6A6A6A6A6).
 *   Intel, "Advanced Encryption Standard (AES) New Instructions Set" white
 *     paper (S. Gueron, rev. 3.0): what AESENC/AESENCLAST/AESDEC/AESDECLAST,
 *     AESIMC and AESKEYGENASSIST compute, and the use of AESIMC to turn the
 *     encryption round keys into those of the equivalent inverse cipher.
 *
 * Key expansion: rather than the white paper's three unrolled routines (one
 * per key size), one loop follows FIPS-197 Figure 11 word by word for all
 * three key sizes; SubWord and RotWord come from AESKEYGENASSIST, i.e. from
 * the hardware S-box, so there is no table anywhere in this file.
 *
 * Timing: no branch and no memory index depends on secret data. Loop counts
 * and branches depend only on lengths and the key size, which are public.
 * The CBC padding check and the RFC 3394 integrity check accumulate masks
 * and branch once, on the final verdict.
 *
 * Wiping: key schedules, expanded key words and every stack buffer that held
 * key or plaintext bytes, or D_K output (the CBC decryption blocks b[]), are
 * overwritten (volatile stores) before returning; buffers that only ever hold
 * ciphertext or the IV (c[], prev) are public and left as they are.
 * Copies the compiler keeps only in XMM registers cannot be reached from C
 * and are not wiped.
 *
 * Dispatch: the AES instructions are only in functions compiled with
 * __attribute__((target("aes,sse2"))); the exported entry points are
 * compiled for the baseline, check CPUID first (cached) and call those
 * workers only when the CPU has AES-NI. No global -maes is needed. On other
 * CPUs or compilers every entry point returns REFDIDCOMM_AES_MISUSE and
 * refdidcomm_aesni_available() returns 0; the Python side then uses the
 * pure-Python modules.
 */
#include <string.h>

#include "aesni.h"

/* FIPS-197 §5 Figure 4: Nb = 4 words per block; Nr = Nk + 6 rounds. */
#define AES_NB 4
#define AES_MAX_ROUNDS 14
#define AES_MAX_WORDS (AES_NB * (AES_MAX_ROUNDS + 1)) /* 60 for AES-256 */

_Static_assert(REFDIDCOMM_AES_BLOCK_BYTES == 4 * AES_NB,
               "an AES block is Nb = 4 words of 4 bytes (FIPS-197 §3.1)");
_Static_assert(AES_MAX_WORDS == 60, "AES-256 expands to Nb*(Nr+1) = 60 words");
_Static_assert(2 * REFDIDCOMM_AES_KEYWRAP_SEMIBLOCK_BYTES == REFDIDCOMM_AES_BLOCK_BYTES,
               "RFC 3394 works on 64-bit halves of a 128-bit block");
_Static_assert(sizeof(uint32_t) == 4 && sizeof(uint64_t) == 8, "fixed-width types");

/* Overwrite n bytes with volatile stores, which the compiler may not drop. */
static void wipe(void *p, size_t n)
{
    volatile uint8_t *v = (volatile uint8_t *)p;
    while (n--) {
        *v++ = 0;
    }
}

/* Nr for a key of key_len bytes, 0 if the length is not an AES key length. */
static int rounds_for(size_t key_len)
{
    switch (key_len) {
    case 16: return 10;
    case 24: return 12;
    case 32: return 14;
    default: return 0;
    }
}

/* Constant-time helpers on small unsigned values (< 2^31). */
static uint32_t ct_mask_lt(uint32_t a, uint32_t b) /* all ones iff a < b */
{
    return (uint32_t)0 - ((a - b) >> 31);
}

static uint32_t ct_mask_nonzero(uint32_t x) /* all ones iff x != 0 */
{
    return (uint32_t)0 - (((uint32_t)0 - x) >> 31);
}

#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))

#include <cpuid.h>
#include <emmintrin.h> /* SSE2 */
#include <wmmintrin.h> /* AES-NI */

#define AESNI_FN __attribute__((target("aes,sse2"), noinline))
#define AESNI_INLINE __attribute__((target("aes,sse2"))) static inline

typedef struct {
    __m128i enc[AES_MAX_ROUNDS + 1]; /* round keys w[4r .. 4r+3], FIPS-197 §5.2 */
    __m128i dec[AES_MAX_ROUNDS + 1]; /* dw[] of the equivalent inverse cipher, §5.3.5 */
    int nr;                          /* Nr: 10, 12 or 14 */
} aes_key;

_Static_assert(sizeof(__m128i) == REFDIDCOMM_AES_BLOCK_BYTES, "one round key is one block");

static int aesni_cached = -1; /* -1 unknown, else 0 or 1 (benign idempotent race, atomics) */

int refdidcomm_aesni_available(void)
{
    int v = __atomic_load_n(&aesni_cached, __ATOMIC_RELAXED);
    if (v < 0) {
        unsigned int eax, ebx, ecx, edx;
        v = 0;
        /* CPUID leaf 1: ECX bit 25 = AES instructions, EDX bit 26 = SSE2. */
        if (__get_cpuid(1, &eax, &ebx, &ecx, &edx)) {
            v = (int)(((ecx >> 25) & 1u) & ((edx >> 26) & 1u));
        }
        __atomic_store_n(&aesni_cached, v, __ATOMIC_RELAXED);
    }
    return v;
}

/* FIPS-197 §4.2.1 xtime(): multiplication by x in GF(2^8) modulo
 * m(x) = x^8 + x^4 + x^3 + x + 1. Used on the public round constants only. */
static uint32_t xtime(uint32_t b)
{
    return ((b << 1) ^ (((b >> 7) & 1u) * 0x1bu)) & 0xffu;
}

/* SubWord(RotWord(w)) when rotate, else SubWord(w) (FIPS-197 §5.2).
 * AESKEYGENASSIST(X, 0) puts SubWord(X1) in dword 0 and RotWord(SubWord(X1))
 * in dword 1, where X1 is dword 1 of X; SubWord acts bytewise, so it commutes
 * with RotWord. Words are little-endian uint32 here: byte a0 is the low byte,
 * and Intel's RotWord (x >> 8 | x << 24) is FIPS-197's [a1, a2, a3, a0]. */
AESNI_INLINE uint32_t sub_word(uint32_t w, int rotate)
{
    __m128i r = _mm_aeskeygenassist_si128(_mm_set1_epi32((int)w), 0);
    if (rotate) {
        r = _mm_srli_si128(r, 4);
    }
    return (uint32_t)_mm_cvtsi128_si32(r);
}

/* KeyExpansion (FIPS-197 §5.2, Figure 11) and the decryption round keys of
 * the Equivalent Inverse Cipher (§5.3.5): dw[0] = w[Nr], dw[r] =
 * InvMixColumns(w[Nr-r]) for 0 < r < Nr, dw[Nr] = w[0]. */
AESNI_INLINE int expand_key(aes_key *k, const uint8_t *key, size_t key_len)
{
    uint32_t w[AES_MAX_WORDS];
    uint32_t temp;
    uint32_t rcon = 0x01; /* Rcon[1] = [x^0, 0, 0, 0] */
    const size_t nk = key_len / 4;
    const int nr = rounds_for(key_len);
    size_t i;
    int r;

    if (nr == 0) {
        return REFDIDCOMM_AES_MISUSE;
    }
    memset(k, 0, sizeof *k);
    /* w[i] = word(key[4i], key[4i+1], key[4i+2], key[4i+3]) for i < Nk;
     * x86 is little-endian, so a byte copy gives exactly these words. */
    memcpy(w, key, key_len);
    for (i = nk; i < (size_t)(AES_NB * (nr + 1)); i++) {
        temp = w[i - 1];
        if (i % nk == 0) {
            temp = sub_word(temp, 1) ^ rcon; /* SubWord(RotWord(temp)) xor Rcon[i/Nk] */
            rcon = xtime(rcon);
        } else if (nk > 6 && i % nk == 4) {
            temp = sub_word(temp, 0); /* AES-256 only */
        }
        w[i] = w[i - nk] ^ temp;
    }
    for (r = 0; r <= nr; r++) {
        k->enc[r] = _mm_loadu_si128((const __m128i *)(const void *)&w[AES_NB * r]);
    }
    k->dec[0] = k->enc[nr];
    for (r = 1; r < nr; r++) {
        k->dec[r] = _mm_aesimc_si128(k->enc[nr - r]);
    }
    k->dec[nr] = k->enc[0];
    k->nr = nr;
    wipe(w, sizeof w);
    wipe(&temp, sizeof temp); /* the last key word computed */
    return REFDIDCOMM_AES_OK;
}

/* Cipher (FIPS-197 §5.1): AddRoundKey, Nr-1 full rounds, a final round
 * without MixColumns. */
AESNI_INLINE __m128i encrypt1(const aes_key *k, __m128i x)
{
    int r;
    x = _mm_xor_si128(x, k->enc[0]);
    for (r = 1; r < k->nr; r++) {
        x = _mm_aesenc_si128(x, k->enc[r]);
    }
    return _mm_aesenclast_si128(x, k->enc[k->nr]);
}

/* Equivalent Inverse Cipher (FIPS-197 §5.3.5) with the dw[] round keys. */
AESNI_INLINE __m128i decrypt1(const aes_key *k, __m128i x)
{
    int r;
    x = _mm_xor_si128(x, k->dec[0]);
    for (r = 1; r < k->nr; r++) {
        x = _mm_aesdec_si128(x, k->dec[r]);
    }
    return _mm_aesdeclast_si128(x, k->dec[k->nr]);
}

/* Four independent blocks at once: CBC decryption has no chaining on the
 * cipher side, so the AESDEC latencies overlap. */
AESNI_INLINE void decrypt4(const aes_key *k, __m128i b[4])
{
    int r, j;
    for (j = 0; j < 4; j++) {
        b[j] = _mm_xor_si128(b[j], k->dec[0]);
    }
    for (r = 1; r < k->nr; r++) {
        for (j = 0; j < 4; j++) {
            b[j] = _mm_aesdec_si128(b[j], k->dec[r]);
        }
    }
    for (j = 0; j < 4; j++) {
        b[j] = _mm_aesdeclast_si128(b[j], k->dec[k->nr]);
    }
}

#define LOAD(p) _mm_loadu_si128((const __m128i *)(const void *)(p))
#define STORE(p, v) _mm_storeu_si128((__m128i *)(void *)(p), (v))

AESNI_FN static int block_worker(const uint8_t *key, size_t key_len, const uint8_t *in,
                                 uint8_t *out, int decrypt)
{
    aes_key k;
    if (expand_key(&k, key, key_len) != REFDIDCOMM_AES_OK) {
        return REFDIDCOMM_AES_MISUSE;
    }
    STORE(out, decrypt ? decrypt1(&k, LOAD(in)) : encrypt1(&k, LOAD(in)));
    wipe(&k, sizeof k);
    return REFDIDCOMM_AES_OK;
}

/* SP 800-38A §6.2: C_1 = CIPH_K(P_1 xor IV), C_j = CIPH_K(P_j xor C_{j-1}).
 * The last plaintext block is completed with PKCS#7 padding (RFC 5652 §6.3):
 * pad = 16 - (pt_len mod 16) bytes, each of value pad, so 1 <= pad <= 16. */
AESNI_FN static int cbc_encrypt_worker(const uint8_t *key, size_t key_len, const uint8_t *iv,
                                       const uint8_t *pt, size_t pt_len, uint8_t *ct)
{
    aes_key k;
    uint8_t last[REFDIDCOMM_AES_BLOCK_BYTES];
    const size_t rem = pt_len % REFDIDCOMM_AES_BLOCK_BYTES;
    const size_t full = pt_len - rem;
    const size_t pad = REFDIDCOMM_AES_BLOCK_BYTES - rem;
    __m128i c;
    size_t off;

    if (expand_key(&k, key, key_len) != REFDIDCOMM_AES_OK) {
        return REFDIDCOMM_AES_MISUSE;
    }
    c = LOAD(iv);
    for (off = 0; off < full; off += REFDIDCOMM_AES_BLOCK_BYTES) {
        c = encrypt1(&k, _mm_xor_si128(LOAD(pt + off), c));
        STORE(ct + off, c);
    }
    if (rem) {
        memcpy(last, pt + full, rem);
    }
    memset(last + rem, (int)pad, pad);
    c = encrypt1(&k, _mm_xor_si128(LOAD(last), c));
    STORE(ct + full, c);
    wipe(last, sizeof last);
    wipe(&k, sizeof k);
    return REFDIDCOMM_AES_OK;
}

/* SP 800-38A §6.2: P_j = CIPH^-1_K(C_j) xor C_{j-1} (C_0 = IV), then the
 * PKCS#7 check on the last block, in constant time: pad = last byte must be
 * 1..16 and the last pad bytes must all equal pad. */
AESNI_FN static int cbc_decrypt_worker(const uint8_t *key, size_t key_len, const uint8_t *iv,
                                       const uint8_t *ct, size_t ct_len, uint8_t *pt,
                                       size_t *pt_len)
{
    aes_key k;
    __m128i prev, b[4], c[4];
    const uint8_t *last;
    uint32_t pad, bad;
    size_t off = 0;
    int i;

    if (expand_key(&k, key, key_len) != REFDIDCOMM_AES_OK) {
        return REFDIDCOMM_AES_MISUSE;
    }
    prev = LOAD(iv);
    for (; off + 4 * REFDIDCOMM_AES_BLOCK_BYTES <= ct_len; off += 4 * REFDIDCOMM_AES_BLOCK_BYTES) {
        for (i = 0; i < 4; i++) {
            c[i] = LOAD(ct + off + (size_t)i * REFDIDCOMM_AES_BLOCK_BYTES);
            b[i] = c[i];
        }
        decrypt4(&k, b);
        STORE(pt + off, _mm_xor_si128(b[0], prev));
        for (i = 1; i < 4; i++) {
            STORE(pt + off + (size_t)i * REFDIDCOMM_AES_BLOCK_BYTES, _mm_xor_si128(b[i], c[i - 1]));
        }
        prev = c[3];
    }
    for (; off < ct_len; off += REFDIDCOMM_AES_BLOCK_BYTES) {
        c[0] = LOAD(ct + off);
        STORE(pt + off, _mm_xor_si128(decrypt1(&k, c[0]), prev));
        prev = c[0];
    }
    /* b[] held D_K(C_j), i.e. plaintext xor the previous block; c[] and prev
     * hold only ciphertext (public). */
    wipe(b, sizeof b);
    wipe(&k, sizeof k);

    last = pt + ct_len - REFDIDCOMM_AES_BLOCK_BYTES;
    pad = last[REFDIDCOMM_AES_BLOCK_BYTES - 1];
    bad = ct_mask_lt(pad, 1) | ct_mask_lt(REFDIDCOMM_AES_BLOCK_BYTES, pad);
    for (i = 0; i < REFDIDCOMM_AES_BLOCK_BYTES; i++) {
        /* byte i is one of the last `pad` bytes iff 15 - i < pad */
        uint32_t in_pad = ct_mask_lt((uint32_t)(REFDIDCOMM_AES_BLOCK_BYTES - 1 - i), pad);
        bad |= in_pad & ct_mask_nonzero((uint32_t)last[i] ^ pad);
    }
    if (bad != 0) {
        wipe(pt, ct_len);
        return REFDIDCOMM_AES_FAIL;
    }
    *pt_len = ct_len - pad;
    return REFDIDCOMM_AES_OK;
}

/* Put t = (n*j)+i big-endian into 8 bytes, XORed onto a (RFC 3394 §2.2.1:
 * "A = MSB(64, B) ^ t"). t depends only on lengths: public. */
static void xor_counter(uint8_t *a, uint64_t t)
{
    int m;
    for (m = 0; m < 8; m++) {
        a[m] ^= (uint8_t)(t >> (56 - 8 * m));
    }
}

/* RFC 3394 §2.2.1, index-based wrap:
 *   A = IV, R[i] = P[i];
 *   for j = 0..5, i = 1..n: B = AES(K, A | R[i]); A = MSB(64, B) ^ t
 *     with t = (n*j)+i; R[i] = LSB(64, B);
 *   C[0] = A, C[i] = R[i]. */
AESNI_FN static int wrap_worker(const uint8_t *kek, size_t kek_len, const uint8_t *key,
                                size_t key_len, uint8_t *out)
{
    aes_key k;
    uint8_t b[REFDIDCOMM_AES_BLOCK_BYTES];
    uint8_t *const a = out;     /* A lives in C[0] */
    uint8_t *const r = out + 8; /* R[1..n] live in C[1..n] */
    const size_t n = key_len / 8;
    size_t i;
    uint64_t j;

    if (expand_key(&k, kek, kek_len) != REFDIDCOMM_AES_OK) {
        return REFDIDCOMM_AES_MISUSE;
    }
    memset(a, 0xA6, 8); /* §2.2.3.1 default initial value */
    memmove(r, key, key_len);
    for (j = 0; j <= 5; j++) {
        for (i = 1; i <= n; i++) {
            memcpy(b, a, 8);
            memcpy(b + 8, r + 8 * (i - 1), 8);
            STORE(b, encrypt1(&k, LOAD(b)));
            memcpy(a, b, 8);
            xor_counter(a, (uint64_t)n * j + i);
            memcpy(r + 8 * (i - 1), b + 8, 8);
        }
    }
    wipe(b, sizeof b);
    wipe(&k, sizeof k);
    return REFDIDCOMM_AES_OK;
}

/* RFC 3394 §2.2.2, index-based unwrap:
 *   A = C[0], R[i] = C[i];
 *   for j = 5..0, i = n..1: B = AES-1(K, (A ^ t) | R[i]) with t = n*j+i;
 *     A = MSB(64, B); R[i] = LSB(64, B);
 *   accept iff A is the default IV (§2.2.3), compared in constant time. */
AESNI_FN static int unwrap_worker(const uint8_t *kek, size_t kek_len, const uint8_t *in,
                                  size_t in_len, uint8_t *out)
{
    aes_key k;
    uint8_t a[8], b[REFDIDCOMM_AES_BLOCK_BYTES];
    const size_t n = in_len / 8 - 1;
    uint32_t diff = 0;
    size_t i;
    uint64_t j;
    int m;

    if (expand_key(&k, kek, kek_len) != REFDIDCOMM_AES_OK) {
        return REFDIDCOMM_AES_MISUSE;
    }
    memcpy(a, in, 8);
    memmove(out, in + 8, in_len - 8);
    for (j = 6; j-- > 0;) {
        for (i = n; i >= 1; i--) {
            memcpy(b, a, 8);
            xor_counter(b, (uint64_t)n * j + i);
            memcpy(b + 8, out + 8 * (i - 1), 8);
            STORE(b, decrypt1(&k, LOAD(b)));
            memcpy(a, b, 8);
            memcpy(out + 8 * (i - 1), b + 8, 8);
        }
    }
    for (m = 0; m < 8; m++) {
        diff |= (uint32_t)(a[m] ^ 0xA6u);
    }
    wipe(a, sizeof a);
    wipe(b, sizeof b);
    wipe(&k, sizeof k);
    if (ct_mask_nonzero(diff) != 0) {
        wipe(out, in_len - 8);
        return REFDIDCOMM_AES_FAIL;
    }
    return REFDIDCOMM_AES_OK;
}

/* ---- exported entry points (baseline code: CPUID check, then a worker) ---- */

int refdidcomm_aes_encrypt_block(const uint8_t *key, size_t key_len, const uint8_t *in,
                                 uint8_t *out)
{
    if (!refdidcomm_aesni_available()) {
        return REFDIDCOMM_AES_MISUSE;
    }
    return block_worker(key, key_len, in, out, 0);
}

int refdidcomm_aes_decrypt_block(const uint8_t *key, size_t key_len, const uint8_t *in,
                                 uint8_t *out)
{
    if (!refdidcomm_aesni_available()) {
        return REFDIDCOMM_AES_MISUSE;
    }
    return block_worker(key, key_len, in, out, 1);
}

int refdidcomm_aes_cbc_encrypt(const uint8_t *key, size_t key_len, const uint8_t *iv,
                               const uint8_t *pt, size_t pt_len, uint8_t *ct)
{
    if (!refdidcomm_aesni_available() || pt_len > SIZE_MAX - REFDIDCOMM_AES_BLOCK_BYTES) {
        return REFDIDCOMM_AES_MISUSE;
    }
    return cbc_encrypt_worker(key, key_len, iv, pt, pt_len, ct);
}

int refdidcomm_aes_cbc_decrypt(const uint8_t *key, size_t key_len, const uint8_t *iv,
                               const uint8_t *ct, size_t ct_len, uint8_t *pt, size_t *pt_len)
{
    if (!refdidcomm_aesni_available()) {
        return REFDIDCOMM_AES_MISUSE;
    }
    if (ct_len == 0 || ct_len % REFDIDCOMM_AES_BLOCK_BYTES != 0) {
        return REFDIDCOMM_AES_FAIL;
    }
    return cbc_decrypt_worker(key, key_len, iv, ct, ct_len, pt, pt_len);
}

int refdidcomm_aes_key_wrap(const uint8_t *kek, size_t kek_len, const uint8_t *key,
                            size_t key_len, uint8_t *out)
{
    if (!refdidcomm_aesni_available() || key_len < 16 || key_len % 8 != 0 ||
        key_len > SIZE_MAX - 8) {
        return REFDIDCOMM_AES_MISUSE;
    }
    return wrap_worker(kek, kek_len, key, key_len, out);
}

int refdidcomm_aes_key_unwrap(const uint8_t *kek, size_t kek_len, const uint8_t *in,
                              size_t in_len, uint8_t *out)
{
    if (!refdidcomm_aesni_available()) {
        return REFDIDCOMM_AES_MISUSE;
    }
    /* RFC 3394 §2: at least two 64-bit blocks of key data, plus A. */
    if (in_len < 24 || in_len % 8 != 0) {
        return REFDIDCOMM_AES_FAIL;
    }
    return unwrap_worker(kek, kek_len, in, in_len, out);
}

#else /* no x86 AES-NI with this CPU or compiler: report it, never compute */

int refdidcomm_aesni_available(void) { return 0; }

int refdidcomm_aes_encrypt_block(const uint8_t *key, size_t key_len, const uint8_t *in,
                                 uint8_t *out)
{
    (void)key; (void)key_len; (void)in; (void)out; (void)rounds_for; (void)wipe;
    (void)ct_mask_lt; (void)ct_mask_nonzero;
    return REFDIDCOMM_AES_MISUSE;
}

int refdidcomm_aes_decrypt_block(const uint8_t *key, size_t key_len, const uint8_t *in,
                                 uint8_t *out)
{
    (void)key; (void)key_len; (void)in; (void)out;
    return REFDIDCOMM_AES_MISUSE;
}

int refdidcomm_aes_cbc_encrypt(const uint8_t *key, size_t key_len, const uint8_t *iv,
                               const uint8_t *pt, size_t pt_len, uint8_t *ct)
{
    (void)key; (void)key_len; (void)iv; (void)pt; (void)pt_len; (void)ct;
    return REFDIDCOMM_AES_MISUSE;
}

int refdidcomm_aes_cbc_decrypt(const uint8_t *key, size_t key_len, const uint8_t *iv,
                               const uint8_t *ct, size_t ct_len, uint8_t *pt, size_t *pt_len)
{
    (void)key; (void)key_len; (void)iv; (void)ct; (void)ct_len; (void)pt; (void)pt_len;
    return REFDIDCOMM_AES_MISUSE;
}

int refdidcomm_aes_key_wrap(const uint8_t *kek, size_t kek_len, const uint8_t *key,
                            size_t key_len, uint8_t *out)
{
    (void)kek; (void)kek_len; (void)key; (void)key_len; (void)out;
    return REFDIDCOMM_AES_MISUSE;
}

int refdidcomm_aes_key_unwrap(const uint8_t *kek, size_t kek_len, const uint8_t *in,
                              size_t in_len, uint8_t *out)
{
    (void)kek; (void)kek_len; (void)in; (void)in_len; (void)out;
    return REFDIDCOMM_AES_MISUSE;
}

#endif
