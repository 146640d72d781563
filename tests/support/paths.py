"""Where the repository and its sample programme file are, wherever the tests run from."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SAMPLE_PROGRAMME = ROOT / "programme.toml"
