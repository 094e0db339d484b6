"""Benchmark of text normalization: the time ``normalize`` takes per assistant reply, p50 and p95.

    .venv/bin/python bench/bench_normalize.py [--repeat 200] [--json out.json]

The replies are what Home Assistant hears back from templates and LLMs: one to three sentences, plain or
with markdown, emoji, URLs, numbers with units, times, dates and currencies, in each language. Every reply is
normalized once to warm up (imports, compiled patterns, num2words' tables), then ``--repeat`` times, each run
timed alone with ``time.perf_counter``. The table gives, per language, the p50 and p95 of those per-reply
times, and the mean length of the replies; the last line is over all replies of all languages.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from machine import cpu_model, loadavg  # noqa: E402  (bench/ is the script's folder)
from wyoming_kokoro.text.normalize import normalize  # noqa: E402

REPLIES: dict[str, list[str]] = {
    "en-us": [
        "The kitchen lights are on.",
        "It is 21°C inside and -3°C outside. Humidity is 45%.",
        "Your timer for 15 minutes is set. It will ring at 3:45 PM.",
        "**Done!** I turned off 3 lights and locked the front door 🔒.",
        "Today: sunny, 18-24°C, wind 15 km/h. Tomorrow, 2026-11-25, rain is likely.",
        "Solar produced 12.5 kWh today, worth about $3.5 at $0.28/kWh.",
        "Here's what's on:\n\n- Kitchen: 21.5°C\n- Bedroom: 19°C\n- Garage: off",
        "You can find it at https://www.home-assistant.io/integrations/ or call 555-123-4567.",
        "The update to v2024.11.2 is ready!!! It takes ~5 min.",
        "| Room | Temp |\n|---|---|\n| Kitchen | 21°C |\n| Hall | 19°C |",
        "Your next appointment is on Nov 25 at 10:30 am with Dr. Smith.",
        "The washing machine finished 😀. It used 1.2 kWh and 45 L of water.",
    ],
    "en-gb": [
        "It is 18°C in the lounge and the heating is off.",
        "Your bin collection is on 25/11/2026 at 7:00.",
        "The car is 85% charged, about 320 km of range.",
    ],
    "es": [
        "El salón está a 21,5 °C y la humedad al 45 %.",
        "He puesto un temporizador de 15 minutos; sonará a las 15:45.",
        "**Hecho.** Apagué 3 luces 💡 y cerré la puerta.",
        "Mañana, 2026-11-25, máxima de 24° y viento de 15 km/h.",
    ],
    "fr": [
        "Il fait 21,5 °C dans le salon et 3 °C dehors.",
        "Votre minuteur de 15 minutes sonnera à 15h45.",
        "La facture est de 12,50 € pour 45 kWh.",
    ],
    "it": [
        "In soggiorno ci sono 21,5 °C e l'umidità è al 45%.",
        "Il timer di 15 minuti suonerà alle 15:45.",
    ],
    "pt-br": [
        "A sala está a 21,5 °C e a umidade em 45%.",
        "O timer de 15 minutos vai tocar às 15:45. Custou R$ 3,50.",
    ],
    "hi": [
        "कमरे का तापमान 21.5°C है और नमी 45% है।",
        "आपका टाइमर 15:45 पर बजेगा।",
    ],
    "ja": [
        "リビングは21.5°Cで、湿度は45%です。",
        "タイマーは15:45に鳴ります。",
    ],
    "zh": [
        "客厅温度21.5°C，湿度45%。",
        "定时器将在15:45响起。",
    ],
}


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def measure(repeat: int) -> dict[str, dict]:
    results: dict[str, dict] = {}
    everything: list[float] = []
    for language, replies in REPLIES.items():
        for reply in replies:  # warm-up
            normalize(reply, language)
        times: list[float] = []
        for _ in range(repeat):
            for reply in replies:
                start = time.perf_counter()
                normalize(reply, language)
                times.append(time.perf_counter() - start)
        everything += times
        results[language] = {
            "replies": len(replies),
            "mean_chars": round(statistics.mean(len(r) for r in replies)),
            "p50_ms": percentile(times, 0.50) * 1000,
            "p95_ms": percentile(times, 0.95) * 1000,
        }
    results["all"] = {
        "replies": sum(len(r) for r in REPLIES.values()),
        "mean_chars": round(statistics.mean(len(r) for rs in REPLIES.values() for r in rs)),
        "p50_ms": percentile(everything, 0.50) * 1000,
        "p95_ms": percentile(everything, 0.95) * 1000,
    }
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=200, help="timed runs of each reply (default: 200)")
    parser.add_argument("--json", type=Path, help="also write the results to this JSON file")
    args = parser.parse_args()

    results = measure(args.repeat)
    print(f"# normalize() per reply; {cpu_model()}, Python {platform.python_version()}, load {loadavg()}")
    print(f"{'language':<9} {'replies':>7} {'chars':>6} {'p50 ms':>8} {'p95 ms':>8}")
    for language, row in results.items():
        print(f"{language:<9} {row['replies']:>7} {row['mean_chars']:>6} {row['p50_ms']:>8.3f} {row['p95_ms']:>8.3f}")
    if args.json:
        args.json.write_text(json.dumps({"repeat": args.repeat, "results": results}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
