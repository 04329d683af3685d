#!/usr/bin/env bash
# Copies the window's MathJax bundle (ui/node_modules/mathjax-full, installed
# by `npm ci` in ui/) over the one the HTML export embeds, with its licence.
set -euo pipefail
cd "$(dirname "$0")/.."
from=ui/node_modules/mathjax-full
cp "$from/es5/tex-svg-full.js" src/export/assets/tex-svg-full.js
cp "$from/LICENSE" src/export/assets/LICENSE.mathjax
echo "src/export/assets/: mathjax-full $(node -p "require('./$from/package.json').version")"
