"""Generated crypto vectors: X25519, Ed25519, (X)ChaCha20-Poly1305, NaCl boxes, AES.

Each file is in the schema of the project's hand-made file for the same
primitive (``rfc7748_x25519``, ``rfc8032_ed25519``, ...), so ``vectors
check`` runs both the same way. Inputs come from the file's own DRBG
stream; plaintext sizes are 0, 1, 15, 16, 17, 63, 64 and 65 bytes.
Negatives are derived from each positive case (flipped tag, ciphertext,
nonce or AAD byte; truncation; wrong key; low-order points).
"""

from __future__ import annotations

from typing import Any, Callable, Dict, List

from .. import crypto
from ._format import make_header
from ._generate_common import Cases, Context, flip, flip_hex

__all__ = ["generate_crypto", "LOW_ORDER_U"]

SIZES = (0, 1, 15, 16, 17, 63, 64, 65)

_P = 2**255 - 19


def _low_order_u() -> List[bytes]:
    """The u-coordinates of the X25519 points of order 1, 2, 4, 8 (RFC 7748 §6.1), plus p and p + 1.

    The order-8 ones are u = (1 + y)/(1 - y) (RFC 7748 §4.1) for the Edwards
    order-8 ordinates ``crypto._Y8`` and ``p - _Y8``.
    """
    values = [0, 1, _P - 1]
    for y in (crypto._Y8, _P - crypto._Y8):
        values.append((1 + y) * pow(1 - y, _P - 2, _P) % _P)
    values += [_P, _P + 1]
    return [v.to_bytes(32, "little") for v in values]


#: 32-byte X25519 public values that give the all-zero shared secret.
LOW_ORDER_U = _low_order_u()


def _header(ctx: Context, name: str, schema: str, algorithm: str, source: List[str], notes: List[str]) -> Dict[str, Any]:
    return make_header(
        name=name, schema=schema, algorithm=algorithm, seed=ctx.seed, command=ctx.command, stream=name,
        backends=ctx.checked_on, source=source, notes=notes,
    )


def _x25519(ctx: Context) -> Dict[str, Any]:
    be, rng, out = ctx.backend, ctx.rng("crypto_x25519"), Cases()
    for i in range(4):
        a, b = rng(32), rng(32)
        apk, bpk = be.x25519_public_key(a), be.x25519_public_key(b)
        out.add(f"generated key pair {i}: X25519 in both directions", [], "valid", {
            "kind": "dh", "alice_private": a.hex(), "alice_public": apk.hex(), "bob_private": b.hex(),
            "bob_public": bpk.hex(), "shared": be.x25519(a, bpk).hex()})
        out.add(f"pair {i}: alice's private key with bob's public key", [], "valid", {
            "kind": "function", "private": a.hex(), "public": bpk.hex(), "shared": be.x25519(a, bpk).hex()})
        for j, u in enumerate(LOW_ORDER_U):
            out.add(f"pair {i}: alice's private key with low-order u #{j} (RFC 7748 §6.1: all-zero output, abort)",
                    ["LowOrderPoint"], "invalid", {"kind": "function", "private": a.hex(), "public": u.hex()},
                    "LowOrderPointError")
    return {"header": _header(ctx, "crypto_x25519", "rfc7748_x25519", "X25519 (RFC 7748)", ["RFC 7748 §5, §6.1"], [
        "kind dh: both public keys and the shared secret; kind function: X25519(private, public) = shared.",
        "Low-order u values: 0, 1, p-1, the two order-8 points, p and p+1 (non-canonical encodings of 0 and 1)."]),
        "cases": out.cases}


def _ed25519(ctx: Context) -> Dict[str, Any]:
    be, rng, out = ctx.backend, ctx.rng("crypto_ed25519"), Cases()
    other = be.ed25519_public_key(rng(32))
    for size in SIZES:
        seed, msg = rng(32), rng(size)
        pk = be.ed25519_public_key(seed)
        sig = be.ed25519_sign(seed, msg)
        base = {"secret": seed.hex(), "public": pk.hex(), "msg": msg.hex(), "sig": sig.hex()}
        out.add(f"generated key, {size}-byte message", [], "valid", base)
        pub = {"public": pk.hex(), "msg": msg.hex()}
        out.add(f"{size}-byte message: one byte of R flipped", ["ModifiedSignature"], "invalid", dict(pub, sig=flip(sig, 0).hex()))
        out.add(f"{size}-byte message: one byte of S flipped", ["ModifiedSignature"], "invalid", dict(pub, sig=flip(sig, 40).hex()))
        if size:
            out.add(f"{size}-byte message: one message byte flipped", ["ModifiedMessage"], "invalid",
                    {"public": pk.hex(), "msg": flip(msg, -1).hex(), "sig": sig.hex()})
        out.add(f"{size}-byte message: another key's public key", ["WrongKey"], "invalid",
                {"public": other.hex(), "msg": msg.hex(), "sig": sig.hex()})
        out.add(f"{size}-byte message: signature truncated to 63 bytes", ["Truncated"], "invalid",
                dict(pub, sig=sig[:-1].hex()), "UsageError")
    return {"header": _header(ctx, "crypto_ed25519", "rfc8032_ed25519", "Ed25519 (pure, RFC 8032 §5.1)", ["RFC 8032 §5.1"], [
        "Valid: public key from secret, sign(secret, msg) = sig, verify true.",
        "Invalid without error: verify answers false; with error: the call raises it."]), "cases": out.cases}


def _aead_file(ctx: Context, name: str, schema: str, algorithm: str, source: List[str], nonce_len: int,
               encrypt: Callable[..., bytes]) -> Dict[str, Any]:
    rng, out = ctx.rng(name), Cases()
    for size in SIZES:
        key, nonce, aad, pt = rng(32), rng(nonce_len), rng(size % 17), rng(size)
        sealed = encrypt(key, nonce, pt, aad)
        ct, tag = sealed[:-16], sealed[-16:]
        base = {"primitive": "aead", "key": key.hex(), "nonce": nonce.hex(), "aad": aad.hex(), "plaintext": pt.hex(),
                "ciphertext": ct.hex(), "tag": tag.hex()}
        out.add(f"generated, {size}-byte plaintext, {len(aad)}-byte AAD", [], "valid", base)
        neg = dict(base)
        del neg["plaintext"]
        out.add(f"{size}-byte plaintext: one tag byte flipped", ["ModifiedTag"], "invalid", dict(neg, tag=flip_hex(tag.hex(), 0)), "DecryptionError")
        if size:
            out.add(f"{size}-byte plaintext: one ciphertext byte flipped", ["ModifiedCiphertext"], "invalid",
                    dict(neg, ciphertext=flip_hex(ct.hex(), -1)), "DecryptionError")
        if aad:
            out.add(f"{size}-byte plaintext: one AAD byte flipped", ["ModifiedAad"], "invalid", dict(neg, aad=flip_hex(aad.hex(), 0)), "DecryptionError")
        out.add(f"{size}-byte plaintext: one nonce byte flipped", ["ModifiedNonce"], "invalid",
                dict(neg, nonce=flip_hex(nonce.hex(), 0)), "DecryptionError")
        out.add(f"{size}-byte plaintext: tag truncated by one byte", ["Truncated"], "invalid", dict(neg, tag=tag[:-1].hex()), "DecryptionError")
        out.add(f"{size}-byte plaintext: another key", ["WrongKey"], "invalid", dict(neg, key=flip_hex(key.hex(), 31)), "DecryptionError")
    return {"header": _header(ctx, name, schema, algorithm, source, [
        "primitive aead: encrypt(key, nonce, plaintext, aad) = ciphertext || tag; decrypt inverts it.",
        "Invalid: decrypt(key, nonce, ciphertext || tag, aad) raises error."]), "cases": out.cases}


def _nacl_box(ctx: Context) -> Dict[str, Any]:
    be, rng, out = ctx.backend, ctx.rng("crypto_nacl_box"), Cases()
    for size in SIZES:
        ssk, rsk, nonce, msg = rng(32), rng(32), rng(24), rng(size)
        spk, rpk = be.x25519_public_key(ssk), be.x25519_public_key(rsk)
        ct = be.box(msg, nonce, rpk, ssk)
        out.add(f"crypto_box, {size}-byte message", [], "valid", {
            "op": "box", "sender_sk": ssk.hex(), "sender_pk": spk.hex(), "recipient_sk": rsk.hex(), "recipient_pk": rpk.hex(),
            "nonce": nonce.hex(), "msg": msg.hex(), "ct": ct.hex()})
        opened = {"op": "box_open", "sender_pk": spk.hex(), "recipient_sk": rsk.hex(), "nonce": nonce.hex(), "msg": msg.hex()}
        out.add(f"box {size}: one tag byte flipped", ["ModifiedTag"], "invalid", dict(opened, ct=flip(ct, 0).hex()), "DecryptionError")
        out.add(f"box {size}: last byte flipped", ["ModifiedCiphertext"], "invalid", dict(opened, ct=flip(ct, -1).hex()), "DecryptionError")
        out.add(f"box {size}: truncated by one byte", ["Truncated"], "invalid", dict(opened, ct=ct[:-1].hex()), "DecryptionError")
        out.add(f"box {size}: one nonce byte flipped", ["ModifiedNonce"], "invalid", dict(opened, nonce=flip(nonce, 0).hex(), ct=ct.hex()), "DecryptionError")
        out.add(f"box {size}: opened with the wrong sender key", ["WrongKey"], "invalid", dict(opened, sender_pk=rpk.hex(), ct=ct.hex()), "DecryptionError")
        out.add(f"box {size}: to a low-order recipient key", ["LowOrderPoint"], "invalid", {
            "op": "box", "sender_sk": ssk.hex(), "sender_pk": spk.hex(), "recipient_pk": LOW_ORDER_U[size % 5].hex(),
            "nonce": nonce.hex(), "msg": msg.hex()}, "LowOrderPointError")
        esk = rng(32)
        sealed = be.box_seal(msg, rpk, rng=lambda n: esk)
        out.add(f"sealed box, {size}-byte message", [], "valid", {
            "op": "seal", "recipient_sk": rsk.hex(), "recipient_pk": rpk.hex(), "esk": esk.hex(),
            "epk": be.x25519_public_key(esk).hex(), "msg": msg.hex(), "ct": sealed.hex()})
        so = {"op": "seal_open", "recipient_sk": rsk.hex(), "recipient_pk": rpk.hex(), "msg": msg.hex()}
        out.add(f"seal {size}: one epk byte flipped", ["ModifiedEpk"], "invalid", dict(so, ct=flip(sealed, 0).hex()), "DecryptionError")
        out.add(f"seal {size}: one tag byte flipped", ["ModifiedTag"], "invalid", dict(so, ct=flip(sealed, 32).hex()), "DecryptionError")
        out.add(f"seal {size}: truncated by one byte", ["Truncated"], "invalid", dict(so, ct=sealed[:-1].hex()), "DecryptionError")
        out.add(f"seal {size}: epk replaced by a low-order point", ["LowOrderPoint"], "invalid",
                dict(so, ct=(LOW_ORDER_U[size % 5] + sealed[32:]).hex()), "DecryptionError")
        out.add(f"seal {size}: to a low-order recipient key", ["LowOrderPoint"], "invalid", {
            "op": "seal", "recipient_pk": LOW_ORDER_U[(size + 1) % 5].hex(), "esk": esk.hex(), "msg": msg.hex()}, "LowOrderPointError")
    return {"header": _header(ctx, "crypto_nacl_box", "nacl_box", "NaCl crypto_box and libsodium sealed boxes",
                              ["libsodium crypto_box_easy / crypto_box_seal layouts"], [
        "op box: box(msg, nonce, recipient_pk, sender_sk) = ct; op seal: the ephemeral secret is esk.",
        "op box_open / seal_open: opening ct raises error."]), "cases": out.cases}


def _aes_gcm(ctx: Context) -> Dict[str, Any]:
    be, rng, out = ctx.backend, ctx.rng("crypto_aes_gcm"), Cases()
    for size in SIZES:
        for klen in (16, 32):
            key, iv, aad, msg = rng(klen), rng(12), rng(size % 20), rng(size)
            sealed = be.aes_gcm_encrypt(key, iv, msg, aad)
            base = {"key": key.hex(), "iv": iv.hex(), "aad": aad.hex(), "msg": msg.hex(), "ct": sealed[:-16].hex(), "tag": sealed[-16:].hex()}
            out.add(f"AES-{klen * 8}-GCM, {size}-byte message", [], "valid", base)
            out.add(f"AES-{klen * 8}-GCM {size}: one tag byte flipped", ["ModifiedTag"], "invalid", dict(base, tag=flip_hex(base["tag"], 15)), "DecryptionError")
            out.add(f"AES-{klen * 8}-GCM {size}: one IV byte flipped", ["ModifiedIv"], "invalid", dict(base, iv=flip_hex(base["iv"], 0)), "DecryptionError")
            if size:
                out.add(f"AES-{klen * 8}-GCM {size}: one ciphertext byte flipped", ["ModifiedCiphertext"], "invalid",
                        dict(base, ct=flip_hex(base["ct"], 0)), "DecryptionError")
            out.add(f"AES-{klen * 8}-GCM {size}: tag truncated", ["Truncated"], "invalid", dict(base, tag=base["tag"][:-2]), "DecryptionError")
    return {"header": _header(ctx, "crypto_aes_gcm", "aes_gcm", "AES-GCM, 96-bit IV, 128-bit tag", ["NIST SP 800-38D"], [
        "encrypt(key, iv, msg, aad) = ct || tag."]), "cases": out.cases}


def _aes_cbc(ctx: Context) -> Dict[str, Any]:
    be, rng, out = ctx.backend, ctx.rng("crypto_aes_cbc"), Cases()
    for size in SIZES:
        key, iv, pt = rng(32), rng(16), rng(size)
        ct = be.aes_cbc_encrypt(key, iv, pt)
        out.add(f"AES-256-CBC with PKCS#7 padding, {size}-byte plaintext", [], "valid",
                {"mode": "pkcs7", "key": key.hex(), "iv": iv.hex(), "plaintext": pt.hex(), "ciphertext": ct.hex()})
        out.add(f"CBC {size}: truncated by one byte (not a multiple of 16)", ["Truncated"], "invalid",
                {"mode": "pkcs7", "key": key.hex(), "iv": iv.hex(), "ciphertext": ct[:-1].hex()}, "DecryptionError")
    return {"header": _header(ctx, "crypto_aes_cbc", "sp800_38a_cbc", "AES-CBC with PKCS#7 padding", ["NIST SP 800-38A §6.2", "RFC 5652 §6.3"], [
        "Unauthenticated: only structural failures (length) are negatives here; a flipped byte need not fail."]),
        "cases": out.cases}


def _aes_kw(ctx: Context) -> Dict[str, Any]:
    be, rng, out = ctx.backend, ctx.rng("crypto_aes_keywrap"), Cases()
    for klen in (16, 24, 32):
        for n in (16, 32, 64):
            kek, key = rng(klen), rng(n)
            wrapped = be.aes_key_wrap(kek, key)
            out.add(f"A{klen * 8}KW wrapping {n} bytes", [], "valid", {"kek": kek.hex(), "key": key.hex(), "wrapped": wrapped.hex()})
            out.add(f"A{klen * 8}KW {n}: one byte flipped", ["ModifiedCiphertext"], "invalid", {"kek": kek.hex(), "wrapped": flip(wrapped, 0).hex()}, "DecryptionError")
            out.add(f"A{klen * 8}KW {n}: truncated by 8 bytes", ["Truncated"], "invalid", {"kek": kek.hex(), "wrapped": wrapped[:-8].hex()}, "DecryptionError")
            out.add(f"A{klen * 8}KW {n}: wrong KEK", ["WrongKey"], "invalid", {"kek": flip(kek, 0).hex(), "wrapped": wrapped.hex()}, "DecryptionError")
    return {"header": _header(ctx, "crypto_aes_keywrap", "rfc3394_aes_keywrap", "AES Key Wrap (RFC 3394), default IV", ["RFC 3394 §2.2"], []),
            "cases": out.cases}


def generate_crypto(ctx: Context) -> Dict[str, Dict[str, Any]]:
    """The crypto suite: file name -> document."""
    be = ctx.backend
    return {
        "crypto_x25519.json": _x25519(ctx),
        "crypto_ed25519.json": _ed25519(ctx),
        "crypto_chacha20poly1305.json": _aead_file(ctx, "crypto_chacha20poly1305", "rfc8439_chacha20poly1305",
                                                   "AEAD_CHACHA20_POLY1305", ["RFC 8439 §2.8"], 12, be.chacha20poly1305_encrypt),
        "crypto_xchacha20poly1305.json": _aead_file(ctx, "crypto_xchacha20poly1305", "xchacha20poly1305",
                                                    "AEAD_XChaCha20_Poly1305", ["draft-irtf-cfrg-xchacha-03 §2"], 24,
                                                    be.xchacha20poly1305_encrypt),
        "crypto_nacl_box.json": _nacl_box(ctx),
        "crypto_aes_gcm.json": _aes_gcm(ctx),
        "crypto_aes_cbc.json": _aes_cbc(ctx),
        "crypto_aes_keywrap.json": _aes_kw(ctx),
    }
