"""A release bundle, checked from one private copy.

``kiosk-<version>.tar.gz`` holds one folder with ``release.toml``::

    version = "2.1.0"
    rollback = true          # optional: may replace a newer release (signed, so explicit)
    min_version = "2.0.0"    # optional: once installed, nothing older ever again

Beside it, ``<bundle>.sig`` is the Ed25519 signature of ``SIGNED_PREFIX +
sha256(bundle)`` by the district's release key.

The bundle is opened once: :func:`private_copy` copies it into a file of
root's (in the releases folder) while hashing what it copies, and the
signature, ``release.toml`` and the unpacking all use that copy.  (Reading
the path three times let a bundle swapped after the hash install unsigned
code.)  Every file is read up to a bound: the signature 1 KiB, the key
1 KiB, ``release.toml`` 64 KiB, the bundle 2 GiB.

Standard library, ``cryptography`` and ``packaging`` only: the first install
runs this from the bundle itself, once Ansible's own verifier
(provisioning/ansible/files/kiosk-verify-bundle) has checked it.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import stat
import tarfile
import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from packaging.version import InvalidVersion, Version

from kiosk.errors import KioskError

SIGNED_PREFIX = b"hut-kiosk-release-v1\n"
MAX_BUNDLE = 2 * 1024**3
MAX_SIGNATURE = 1024
MAX_KEY = 1024
MAX_RELEASE_TOML = 64 * 1024
_VERSION = re.compile(r"^[0-9A-Za-z][0-9A-Za-z.+_-]{0,63}$")


class UpdateRefused(KioskError):
    """The bundle is not installed: unsigned, wrongly signed, malformed, older, or the kiosk is busy."""


@dataclass(frozen=True)
class Release:
    version: str
    top: str  # the bundle's one folder
    rollback: bool = False
    min_version: str | None = None


@dataclass(frozen=True)
class PrivateCopy:
    path: Path
    digest: bytes  # SIGNED_PREFIX + sha256 of exactly these bytes


def parse_version(text: str, what: str) -> Version:
    """A release version as PEP 440 orders it (packaging: "1.10" after "1.9",
    "2.0rc1" before "2.0"); the folder name rule on top."""
    try:
        if not _VERSION.match(text):
            raise InvalidVersion(text)
        return Version(text)
    except InvalidVersion:
        raise UpdateRefused(f"{what}: {text!r} is not a release version (such as 2.1.0)") from None


def read_small(path: Path, limit: int) -> bytes:
    """A regular file of at most ``limit`` bytes (a huge or endless one is refused unread)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise UpdateRefused(f"{path}: cannot be read ({exc.strerror}); nothing was installed") from None
    with os.fdopen(fd, "rb") as fh:
        st = os.fstat(fh.fileno())
        if not stat.S_ISREG(st.st_mode) or st.st_size > limit:
            raise UpdateRefused(f"{path}: expected a file of at most {limit} bytes; nothing was installed")
        data = fh.read(limit + 1)
    if len(data) > limit:
        raise UpdateRefused(f"{path}: expected a file of at most {limit} bytes; nothing was installed")
    return data


@contextlib.contextmanager
def private_copy(bundle: Path, folder: Path) -> Iterator[PrivateCopy]:
    """The bundle copied (0600) into ``folder`` (root's releases folder), hashed
    as it is copied; removed afterwards."""
    folder.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=folder, prefix=".incoming-", suffix=".tar")
    h, size = hashlib.sha256(), 0
    try:
        try:
            source = os.open(bundle, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
        except OSError as exc:
            raise UpdateRefused(f"{bundle}: cannot be read ({exc.strerror}); nothing was installed") from None
        with os.fdopen(source, "rb") as src, os.fdopen(fd, "wb") as dst:
            if not stat.S_ISREG(os.fstat(src.fileno()).st_mode):
                raise UpdateRefused(f"{bundle}: not a file; nothing was installed")
            for chunk in iter(lambda: src.read(1 << 20), b""):
                size += len(chunk)
                if size > MAX_BUNDLE:
                    raise UpdateRefused(f"{bundle.name}: larger than {MAX_BUNDLE} bytes; nothing was installed")
                h.update(chunk)
                dst.write(chunk)
        yield PrivateCopy(Path(name), SIGNED_PREFIX + h.digest())
    finally:
        with contextlib.suppress(OSError):
            os.unlink(name)


def file_digest(bundle: Path) -> bytes:
    h = hashlib.sha256()
    with bundle.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return SIGNED_PREFIX + h.digest()


def sign(bundle: Path, private_key: bytes) -> Path:
    """Write ``<bundle>.sig`` (the district's build machine does this)."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    signature = Ed25519PrivateKey.from_private_bytes(private_key).sign(file_digest(bundle))
    out = bundle.with_name(bundle.name + ".sig")
    out.write_text(signature.hex() + "\n", encoding="ascii")
    return out


def verify(bundle: Path, digest: bytes, public_key_file: Path) -> None:
    """``digest`` (of the private copy) against ``<bundle>.sig`` and the terminal's key."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    sig_file = bundle.with_name(bundle.name + ".sig")
    try:
        key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(read_small(public_key_file, MAX_KEY).decode("ascii")))
    except FileNotFoundError:
        raise UpdateRefused(f"{public_key_file}: no release key on this terminal; provision it first") from None
    except (ValueError, UnicodeDecodeError):
        raise UpdateRefused(f"{public_key_file}: not a hex Ed25519 public key (64 hex digits)") from None
    try:
        signature = bytes.fromhex(read_small(sig_file, MAX_SIGNATURE).decode("ascii"))
    except FileNotFoundError:
        raise UpdateRefused(f"{bundle.name} is not signed (no {sig_file.name}); nothing was installed") from None
    except (ValueError, UnicodeDecodeError):
        raise UpdateRefused(f"{sig_file}: not a hex signature; nothing was installed") from None
    try:
        key.verify(signature, digest)
    except InvalidSignature:
        raise UpdateRefused(f"{bundle.name}: the signature does not match the release key on this terminal "
                            "(wrong key or a modified bundle); nothing was installed") from None


def read_release(copy: Path, name: str) -> Release:
    """The release.toml of the (verified) copy."""
    try:
        with tarfile.open(copy, "r:*") as tar:
            members = [m for m in tar.getmembers() if m.name.count("/") == 1 and m.name.endswith("/release.toml")]
            if len(members) != 1 or not members[0].isfile():
                raise UpdateRefused(f"{name}: expected one <folder>/release.toml inside")
            if members[0].size > MAX_RELEASE_TOML:
                raise UpdateRefused(f"{name}: release.toml is larger than {MAX_RELEASE_TOML} bytes")
            fh = tar.extractfile(members[0])
            data = tomllib.loads(fh.read(MAX_RELEASE_TOML).decode("utf-8")) if fh else {}
    except (tarfile.TarError, OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise UpdateRefused(f"{name}: not a readable release bundle ({exc})") from None
    version = str(data.get("version", ""))
    parse_version(version, f"{name}: release.toml version")
    minimum = data.get("min_version")
    if minimum is not None:
        parse_version(str(minimum), f"{name}: release.toml min_version")
    return Release(version, members[0].name.split("/")[0], data.get("rollback") is True,
                   None if minimum is None else str(minimum))


def unpack(copy: Path, name: str, top: str, target: Path) -> None:
    """Into ``target`` (absent), via a temporary folder beside it; the
    ``data`` filter refuses absolute paths, ``..`` and links leaving it."""
    staging = target.with_name(f".{target.name}.partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        with tarfile.open(copy, "r:*") as tar:
            tar.extractall(staging, filter="data")
        (staging / top).rename(target)
    except (tarfile.TarError, OSError) as exc:
        raise UpdateRefused(f"{name}: cannot unpack ({exc}); nothing was switched") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
