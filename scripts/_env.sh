# Shared by scripts/serve and scripts/test: make .venv and install the pinned requirements.
# Usage: source scripts/_env.sh <requirements file>
set -euo pipefail

as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
        echo "需要 root 权限执行：$*" >&2; return 1; fi
}

PYTHON="${PYTHON:-}"
if [ -z "$PYTHON" ]; then
    for candidate in python3.13 python3.12 python3.11 python3; do
        if command -v "$candidate" >/dev/null && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
            PYTHON="$candidate"; break
        fi
    done
fi
if [ -z "$PYTHON" ]; then
    echo "certify needs Python 3.11 or newer; none was found on PATH." >&2
    exit 1
fi

if [ ! -x .venv/bin/python ]; then
    if ! "$PYTHON" -m venv .venv 2>/dev/null; then
        # Debian ships venv separately.
        rm -rf .venv
        as_root apt-get update -qq
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv
        "$PYTHON" -m venv .venv
    fi
fi

REQUIREMENTS="$1"
STAMP=".venv/.installed-$(cat requirements.txt "$REQUIREMENTS" | sha256sum | cut -c1-16)"
if [ ! -f "$STAMP" ]; then
    .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
    .venv/bin/python -m pip install --quiet --disable-pip-version-check -r "$REQUIREMENTS"
    rm -f .venv/.installed-*
    touch "$STAMP"
fi
export PATH="$PWD/.venv/bin:$PATH"

# The certificate PDF embeds a TrueType CJK font from Debian (see grading/certificates/pdf.py).
if [ ! -f /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc ]; then
    echo "Installing Debian's fonts-wqy-zenhei for the certificate PDF…"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-wqy-zenhei
fi
