"""Every shell example in the README and docs/, run as a user would type it: each block in bash,
in a folder of its own holding the files it names, with a throwaway key. A line that fails
fails the test and is named; a block no setup below knows fails too, so a new example cannot go
untested. The README's first two commands are what CI runs (.ci/run) and are left to it."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import REAL_WORKBOOK, ROOT, SAMPLES

VALID = SAMPLES / "valid"
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
AS_OF = "2026-11-23"


@dataclass(frozen=True)
class Block:
    document: str
    number: int
    lines: tuple[str, ...]

    @property
    def id(self) -> str:
        return f"{self.document}#{self.number}"


def blocks() -> Iterator[Block]:
    for path in DOCUMENTS:
        text = path.read_text(encoding="utf-8")
        for number, body in enumerate(re.findall(r"^```(?:sh|bash)\n(.*?)^```", text,
                                                 re.S | re.M), 1):
            joined = body.replace("\\\n", " ")
            lines = tuple(line for line in joined.splitlines()
                          if line.strip() and not line.lstrip().startswith("#"))
            yield Block(str(path.relative_to(ROOT)), number, lines)


@dataclass(frozen=True)
class Setup:
    """What a block needs in its folder before it runs, and what it must leave there."""

    first_line: str  # the start of the block's first command: how a block is recognised
    needs: frozenset[str]
    leaves: tuple[str, ...]


SETUPS = (
    Setup("python3 -m venv .venv && . .venv/bin/activate && pip install . && cplkit demo",
          frozenset({"ci"}), ()),
    Setup("cplkit check my-submission.xlsx", frozenset({"files"}),
          ("report.json", "junit.xml")),
    Setup("export CPLKIT_KEY=keys/key.pem", frozenset({"files", "keys", "real"}),
          ("cpl/versions/2.052/cpl-2.052.xml", "import.json", "proposal.csv")),
    Setup("cplkit keygen --out keys/", frozenset({"files"}),
          ("cpl/versions/1.1/cpl-1.1.xml",)),
    Setup("cplkit template ", frozenset({"files", "registry", "browser"}),
          ("cpl-new-entry.xlsx", "cpl-bulk.xlsx", "report.html", "shots/laptop.png",
           "shots/phone.png")),
    Setup("cplkit names set 12:3E", frozenset({"registry"}), ()),
    Setup("cplkit submissions receive acme-gas-meter.xlsx", frozenset({"registry", "liaison"}),
          ("letter-S-2026-0001.txt", "letter-S-2026-0001.eml", "letter-S-2026-0002.eml",
           "cpl/deliveries.json")),
    Setup("cplkit rules > my-rules.json", frozenset({"files"}), ("my-rules.json",)),
    Setup("cplkit verify cpl-2.052.xml", frozenset({"real-2.052"}), ()),
    Setup("xmlsec1 --verify --trusted-pem secas-signing.pem", frozenset({"real-2.052", "xmlsec1"}),
          ()),
)


def setup_for(block: Block) -> Setup:
    found = [s for s in SETUPS if block.lines[0].startswith(s.first_line)]
    assert len(found) == 1, f"no setup knows the example {block.id}: {block.lines[0]}"
    return found[0]


def cplkit(*args: str | Path, cwd: Path, env: dict[str, str]) -> None:
    done = subprocess.run([sys.executable, "-m", "cplkit", *map(str, args)], cwd=cwd, env=env,
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr


def environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CPLKIT_")}
    # the cplkit command of the environment running the tests comes first
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env.update(EDITOR="true", PYTHONDONTWRITEBYTECODE="1")
    return env


@pytest.fixture(scope="module")
def real_registry(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real workbook imported as 2.051, then one form published as 2.052."""
    if not REAL_WORKBOOK.is_file():
        pytest.skip(f"the real SECAS workbook is not at {REAL_WORKBOOK} (set "
                    "CPLKIT_REAL_WORKBOOK to its path)")
    root = tmp_path_factory.mktemp("real")
    env = environment()
    cplkit("keygen", "--out", root / "keys", cwd=root, env=env)
    signing = ["--key", root / "keys" / "key.pem", "--cert", root / "keys" / "cert.pem"]
    cplkit("import", REAL_WORKBOOK, "-r", root / "cpl", *signing, cwd=root, env=env)
    cplkit("publish", "-r", root / "cpl", "--as-of", AS_OF, *signing,
           VALID / "form-gas-smart-meter.xlsx", cwd=root, env=env)
    return root


def prepare(folder: Path, needs: frozenset[str], real: Path | None, env: dict[str, str]) -> None:
    if "files" in needs:
        for name in ("my-submission.xlsx", "form.xlsx", "submission.xlsx"):
            shutil.copyfile(VALID / "form-gas-smart-meter.xlsx", folder / name)
        shutil.copyfile(VALID / "form-ppmid.xlsx", folder / "next-submission.xlsx")
        shutil.copyfile(VALID / "bulk-submission.csv", folder / "bulk.csv")
        shutil.copytree(VALID, folder / "submissions")
        (folder / "my-rules.json").write_bytes(subprocess.run(
            [sys.executable, "-m", "cplkit", "rules"], capture_output=True, check=True,
            env=env).stdout)
        cplkit("keygen", "--out", folder / "rotation", cwd=folder, env=env)
        shutil.copyfile(folder / "rotation" / "cert.pem", folder / "new-cert.pem")
    if "keys" in needs:
        cplkit("keygen", "--out", folder / "keys", cwd=folder, env=env)
    if "browser" in needs:
        (folder / "scripts").symlink_to(ROOT / "scripts")  # run from the project's checkout
    if "registry" in needs:
        cplkit("keygen", "--out", folder / "keys", cwd=folder, env=env)
        cplkit("init", "-r", folder / "cpl", "--key", folder / "keys" / "key.pem", "--cert",
               folder / "keys" / "cert.pem", cwd=folder, env=env)
        cplkit("publish", "-r", folder / "cpl", "--as-of", AS_OF, "--key",
               folder / "keys" / "key.pem", "--cert", folder / "keys" / "cert.pem",
               VALID / "bulk-submission.csv", cwd=folder, env=env)
    if "liaison" in needs:
        # SECAS's week (docs/secas-week.md): a form with an error, a good one, evidence
        shutil.copyfile(SAMPLES / "invalid" / "V05-unknown-device-type.xlsx",
                        folder / "acme-gas-meter.xlsx")
        shutil.copyfile(VALID / "form-ppmid.xlsx", folder / "acme-ppmid.xlsx")
        (folder / "cpa-certificate.pdf").write_bytes(b"%PDF-1.4\n% a CPA certificate\n%%EOF\n")
    if "real" in needs:
        assert real is not None
        shutil.copyfile(REAL_WORKBOOK, folder / "secas-cpl-v2.051.xlsm")
        shutil.copyfile(REAL_WORKBOOK, folder / "cpl.xlsm")
        # a removal of the first Current entry, decided as the Sub-Committee would
        listed = subprocess.run([sys.executable, "-m", "cplkit", "list", "-r", real / "cpl",
                                 "--version", "2.051", "--status", "current", "--format", "csv"],
                                capture_output=True, text=True, check=True, env=env).stdout
        number = listed.splitlines()[1].split(",")[0]
        (folder / "removals.csv").write_text(
            f"Entry.number,reason,decision\n{number},withdrawn by its manufacturer,SSC test\n")
    elif "files" in needs:
        shutil.copyfile(VALID / "bulk-submission.xlsx", folder / "cpl.xlsm")
    if "real-2.052" in needs:
        assert real is not None
        for version in ("2.051", "2.052"):
            for name in (f"cpl-{version}.xml", f"cpl-{version}.csv", f"cpl-{version}.csv.p7s"):
                shutil.copyfile(real / "cpl" / "versions" / version / name, folder / name)
        shutil.copyfile(real / "keys" / "cert.pem", folder / "secas-signing.pem")


ALL = list(blocks())


def test_every_example_block_has_a_setup() -> None:
    assert len(ALL) >= 8
    for block in ALL:
        setup_for(block)


# the README's install and test commands are what .ci/run runs, on a clean clone
RUN = [b for b in ALL if not any(s.first_line == b.lines[0] and "ci" in s.needs
                                 for s in SETUPS)]


@pytest.mark.parametrize("block", RUN, ids=[b.id for b in RUN])
def test_example_runs(block: Block, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    setup = setup_for(block)
    needs = setup.needs
    missing = [p for p in (("chromium", "chromedriver") if "browser" in needs else ())
               + (("xmlsec1",) if "xmlsec1" in needs else ()) if not shutil.which(p)]
    if missing and not os.environ.get("CI"):
        pytest.skip(f"needs {', '.join(missing)}")
    env = environment()
    real = (request.getfixturevalue("real_registry")
            if needs & {"real", "real-2.052"} else None)
    prepare(tmp_path, needs, real, env)
    script = []
    for line in block.lines:
        # a check reports findings with exit 1: the example ran; anything else must exit 0
        allowed = 1 if re.match(r"cplkit check\b", line) else 0
        said = shlex.quote(f" from: {line}")
        script += [line, f"s=$?; if [ $s -gt {allowed} ]; then echo exit $s{said} >&2; exit 1; fi"]
    done = subprocess.run(["bash", "-c", "\n".join(script)], cwd=tmp_path, env=env,
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Traceback" not in done.stderr
    for name in setup.leaves:
        assert (tmp_path / name).is_file(), f"{block.id} did not leave {name}"
    if "real-2.052" in needs and any(line.startswith("sha256sum") for line in block.lines):
        # the comment's claim: the digest printed is the one the next version names
        digest = done.stdout.split()[-2]
        assert digest in (tmp_path / "cpl-2.052.xml").read_text()
