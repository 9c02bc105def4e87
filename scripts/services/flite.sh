# shellcheck shell=bash
# The `flite` component of scripts/services.sh (sourced by it): not a server, Debian's speech synthesiser
# (voice `slt`) that the edge-ingest tests speak real sentences with (voice-activity detection, speech to
# text). Installed with the other packages `up` needs when missing; nothing is started or stopped.

FLITE_BIN="${SWITCHYARD_FLITE_PATH:-/usr/bin/flite}"

flite_up() {
  [ -x "$FLITE_BIN" ] || die "flite: $FLITE_BIN is missing after apt-get install flite"
  "$FLITE_BIN" -lv | grep -qw slt || die "flite: $FLITE_BIN has no voice slt (flite -lv)"
  say "flite: $FLITE_BIN with voice slt"
}

flite_down() { :; }

flite_status() {
  if [ -x "$FLITE_BIN" ]; then echo "flite: installed at $FLITE_BIN (a synthesiser, not a server)"; else echo "flite: not installed"; fi
}
