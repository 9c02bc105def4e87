"""The offline speech-to-text worker (see offline-speech-to-text.ts).

Loads a CTranslate2 Whisper model once, then answers one JSON line per request
on stdin: {"id", "language", "samples": base64 16-bit little-endian mono PCM
at 16 kHz, "words": bool} -> {"id", "text", "words"?} or {"id", "error"}.
The first line it writes is {"ready": true} (or {"fatal": reason}). Nothing is
downloaded: the model is a directory on disk.
"""

import base64
import json
import os
import sys

os.environ.setdefault("HF_HUB_OFFLINE", "1")


def write(message):
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def main():
    model_directory = sys.argv[1]
    threads = int(sys.argv[2])
    beam_size = int(sys.argv[3])
    try:
        import numpy
        from faster_whisper import WhisperModel

        model = WhisperModel(model_directory, device="cpu", compute_type="int8", cpu_threads=threads, num_workers=1)
    except Exception as error:  # noqa: BLE001 - reported to the engine as its reason to be unavailable
        write({"fatal": f"{type(error).__name__}: {error}"})
        return 1
    write({"ready": True})
    for line in sys.stdin:
        if not line.strip():
            continue
        request_id = None
        try:
            request = json.loads(line)
            request_id = request["id"]
            pcm = numpy.frombuffer(base64.b64decode(request["samples"]), dtype="<i2").astype(numpy.float32) / 32768.0
            words = bool(request.get("words"))
            segments, _ = model.transcribe(
                pcm,
                language=request.get("language") or None,
                beam_size=beam_size,
                vad_filter=False,
                condition_on_previous_text=False,
                word_timestamps=words,
                without_timestamps=not words,
            )
            text_parts = []
            timed_words = []
            for segment in segments:
                text_parts.append(segment.text)
                for word in segment.words or []:
                    timed_words.append({"word": word.word.strip(), "start": round(word.start, 3), "end": round(word.end, 3)})
            answer = {"id": request_id, "text": "".join(text_parts).strip()}
            if words:
                answer["words"] = timed_words
            write(answer)
        except Exception as error:  # noqa: BLE001 - one bad request must not end the worker
            write({"id": request_id, "error": f"{type(error).__name__}: {error}"})
    return 0


if __name__ == "__main__":
    sys.exit(main())
