# shellcheck shell=bash
# The `chromium` component of scripts/services.sh (sourced by it): not a server, the headless browser
# the web dashboard's tests drive (playwright-core with executablePath /usr/bin/chromium). Debian's
# package, installed with the other packages `up` needs when missing; nothing is started or stopped
# (each test launches its own browser and closes it). Playwright's own browser downloads cannot be
# used: this machine reaches package registries only.

CHROMIUM_BIN="${SWITCHYARD_CHROMIUM_PATH:-/usr/bin/chromium}"

chromium_up() {
  [ -x "$CHROMIUM_BIN" ] || die "chromium: $CHROMIUM_BIN is missing after apt-get install chromium"
  say "chromium: $("$CHROMIUM_BIN" --version 2>/dev/null || echo "$CHROMIUM_BIN") at $CHROMIUM_BIN"
}

chromium_down() { :; }

chromium_status() {
  if [ -x "$CHROMIUM_BIN" ]; then echo "chromium: installed at $CHROMIUM_BIN (a browser, not a server)"; else echo "chromium: not installed"; fi
}
