# Sourced by scripts/test and scripts/demo: create or reuse .venv and install the project
# with the extra named in $1, skipping pip when pyproject.toml has not changed since the last
# install.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
extra=$1
venv=$root/.venv
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
stamp=$venv/.installed-$extra
sum=$(sha256sum pyproject.toml | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$sum" ]; then
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -e ".[$extra]"
    echo "$sum" >"$stamp"
fi
export PATH=$venv/bin:$PATH
