"""Reading a large codebook: time and peak memory, libyaml's parser against the pure-Python one.

A codebook of about 50 MB (45,000 codes with bilingual labels, definitions, examples and
rules) is written once, then read in fresh processes, each reporting its time and its peak
resident memory above a process that only imported hsqual:

* ``load_codebook(..., check_rules=False)`` with libyaml's parser (what hsqual uses when
  PyYAML was built with it) and with the pure-Python parser, as a ratio;
* ``load_codebook(...)`` checking every rule as well.

Run: .venv/bin/python bench/bench_codebook_load.py [MB]
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

CHILD = r"""
import json, resource, sys, time
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
import yaml
import hsqual.codebook as codebook
try:
    from hsqual import yamlio
except ImportError:
    yamlio = None
stage, path = sys.argv[1], sys.argv[2]
if stage == "pure-python" and yamlio is not None:
    yamlio._Parser = yaml.SafeLoader
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t = time.perf_counter()
if stage != "import":
    cb = codebook.load_codebook(path, check_rules=(stage == "rules"))
    assert len(cb) > 0
dt = time.perf_counter() - t
print(json.dumps({"s": dt, "peak_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base}))
"""


def write_codebook(path: Path, mb: float) -> int:
    """A codebook of about ``mb`` megabytes; returns the number of codes."""
    head = ("id: big\nversion: '1'\ntitle: {en: Big, ja: 大きい}\nsource: generated\ncodes:\n")
    n = 0
    size = len(head.encode())
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(head)
        while size < mb * 1_000_000:
            parent = f"\n    parent: c{n - n % 7}" if n % 7 else ""
            item = (f"  - id: c{n}{parent}\n"
                    f"    label: {{en: Code {n}, ja: コード{n}}}\n"
                    f"    definition: {{en: 'Talk of protection and empowerment of people number {n}, "
                    f"as the interviewees describe it.', ja: '人々の保護とエンパワーメントについての語り（{n}）。'}}\n"
                    f"    when_to_use: {{en: 'The speaker names threats to people in their daily lives.', "
                    f"ja: '日常生活の脅威を語るとき。'}}\n"
                    f"    when_not_to_use: {{en: 'Only the state is named.', ja: '国家のみを語るとき。'}}\n"
                    f"    examples:\n      - quote: 'freedom from fear and want {n}'\n"
                    f"        source: 'Kurusu 2015, §{n % 9}'\n"
                    f"    rules:\n      en: ['\"freedom from fear\" AND w{n}*', 'NEAR(protect*, people, 5)']\n"
                    f"      ja: ['保護 AND NOT 情報', '\"人間の安全保障\"']\n")
            fh.write(item)
            size += len(item.encode())
            n += 1
    return n


def run(stage: str, path: Path) -> dict:
    out = subprocess.run([sys.executable, "-c", CHILD, stage, str(path)], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    mb = float(sys.argv[1]) if len(sys.argv) > 1 else 50
    d = Path(tempfile.mkdtemp())
    path = d / "big.yaml"
    n = write_codebook(path, mb)
    size = path.stat().st_size / 1e6
    print(f"codebook: {size:.1f} MB, {n} codes")
    results = {}
    for stage in ("libyaml", "pure-python", "rules"):
        r = results[stage] = run(stage, path)
        print(f"  {stage:12s} {r['s']:7.1f} s   peak +{r['peak_kb'] / 1024:7.0f} MB "
              f"({r['peak_kb'] / 1024 / size:.1f} MB per MB of YAML)")
    a, b = results["libyaml"], results["pure-python"]
    print(f"libyaml against the pure-Python parser: {b['s'] / a['s']:.1f}x faster, "
          f"{b['peak_kb'] / max(a['peak_kb'], 1):.1f}x less peak memory")
    path.unlink()


if __name__ == "__main__":
    main()
