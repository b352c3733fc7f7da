"""Fails unless `boltz predict` would find everything it needs in the cache without the network.

Run at the end of the image's build (with no network there), and by the tests on made-up caches.
`boltz predict` calls download_boltz2(cache) on every run (src/boltz/main.py:1137-1140 at tag v2.2.0),
which fetches each of these that does not exist (main.py:198-258): mols.tar, then mols/ extracted from
it, boltz2_conf.ckpt and boltz2_aff.ckpt (the affinity weights, fetched even when no input asks for
affinity). Existence is all it checks, and urlretrieve writes straight to the final name, so an
interrupted download leaves a file it takes as present: the checkpoints must also be whole zip
archives (torch.save's format). The molecules every run loads are the canonical residues
(load_canonicals, data/mol.py:42-56, over const.canonical_tokens, data/const.py:95-117). The
container runs as another user than the build: every file must be readable by all.

With --with-boltz (in the image), it also runs Boltz's own download_boltz2 with every download made
to fail: it passes only if Boltz would not try one.

Usage: check_cache.py [--with-boltz] CACHE
"""

import stat
import sys
import zipfile
from pathlib import Path

CANONICAL_RESIDUES = [
    "ALA", "ARG", "ASN", "ASP", "CYS", "GLN", "GLU", "GLY", "HIS", "ILE", "LEU",
    "LYS", "MET", "PHE", "PRO", "SER", "THR", "TRP", "TYR", "VAL", "UNK",
]
CHECKPOINTS = ["boltz2_conf.ckpt", "boltz2_aff.ckpt"]


def readable_by_all(path: Path) -> bool:
    mode = path.stat().st_mode
    wanted = stat.S_IROTH | (stat.S_IXOTH if path.is_dir() else 0)
    return mode & wanted == wanted


def problems(cache: Path) -> list[str]:
    found: list[str] = []
    if not cache.is_dir():
        return [f"{cache} is not a directory"]
    needed = [cache / "mols.tar", cache / "mols", *(cache / "mols" / f"{r}.pkl" for r in CANONICAL_RESIDUES)]
    for path in needed + [cache / c for c in CHECKPOINTS]:
        if not path.exists():
            found.append(f"{path} is missing: boltz predict would download it")
        elif path.is_file() and path.stat().st_size == 0:
            found.append(f"{path} is empty")
        elif not readable_by_all(path):
            found.append(f"{path} is not readable by every user (chmod -R a+rX {cache})")
    for name in CHECKPOINTS:
        path = cache / name
        if path.is_file() and path.stat().st_size > 0 and not zipfile.is_zipfile(path):
            found.append(f"{path} is not a whole checkpoint (not a zip archive): an interrupted download?")
    return found


def boltz_would_download(cache: Path) -> list[str]:
    """Boltz's own check: download_boltz2 with urlretrieve failing on any call."""
    import urllib.request

    from boltz import main

    asked: list[str] = []

    def refuse(url, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ARG001
        asked.append(str(url))
        raise OSError(f"no network: {url}")

    urllib.request.urlretrieve = refuse
    try:
        main.download_boltz2(cache)
    except Exception as err:  # noqa: BLE001
        asked.append(f"download_boltz2 failed: {err}")
    if not asked:
        from boltz.data.mol import load_canonicals

        load_canonicals(str(cache / "mols"))
    return [f"boltz would fetch {url}" for url in asked]


def main_(argv: list[str]) -> int:
    with_boltz = "--with-boltz" in argv
    args = [a for a in argv if a != "--with-boltz"]
    if len(args) != 1:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    cache = Path(args[0])
    found = problems(cache)
    if with_boltz and not found:
        found = boltz_would_download(cache)
    for line in found:
        print(f"check_cache: {line}", file=sys.stderr)
    if not found:
        print(f"check_cache: {cache} has everything boltz predict needs, offline")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main_(sys.argv[1:]))
