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
    echo "Installing engine-net[$extra] into .venv (log: .venv/pip.log)..." >&2
    log=$venv/pip.log
    if ! { "$venv/bin/python" -m pip install --disable-pip-version-check --upgrade pip &&
        "$venv/bin/python" -m pip install --disable-pip-version-check -e ".[$extra]"; } >"$log" 2>&1; then
        cat "$log" >&2
        echo "Installing engine-net[$extra] failed; the pip output is above." >&2
        exit 1
    fi
    echo "$sum" >"$stamp"
fi
export PATH=$venv/bin:$PATH
