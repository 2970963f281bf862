"""Each visitor of the audit its own device noise, so a device fingerprint tells them apart.

The consent audit tells an identifier from a constant by sending two fresh visitors through
one state (``consent_audit/differential.py``): what differs between them is per-visitor. A
device fingerprint (a hash of what a canvas, WebGL or audio renders, of
``hardwareConcurrency``, ``deviceMemory``...) keeps nothing and is computed anew, and both
visitors run one browser on one machine: they send the same hash, and it would pass for the
site's constant. Privacy browsers give each profile noise of its own in those surfaces
(Brave's "farbling"); so does the audit: each browser context gets a :class:`DeviceNoise`,
a seed and device values drawn for it, and its init script (``devicenoise.js``, beside
``looks.AS_A_VISITOR``; before every worker script the proxy forwards, too) perturbs what
pages read back: canvas (``toDataURL``, ``toBlob``, ``getImageData``, ``convertToBlob``),
WebGL ``readPixels``, audio (``AudioBuffer`` channel data, so ``OfflineAudioContext``
renderings; ``AnalyserNode`` float data) and ``navigator.hardwareConcurrency`` and
``deviceMemory``. The same seed gives the same answers (a fingerprint is stable within one
visitor); the twin's device values are drawn unlike its visitor's, so even a hash of device
properties alone differs between the two. Viewport, screen, device pixel ratio, language and
time zone, which clean sites send themselves, are left alone.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass

from .resources import shipped

__all__ = ["CORES", "MEMORY", "DeviceNoise"]

# Values a visitor's desktop has (GB as Chromium rounds ``deviceMemory``: 8 at most).
CORES = (2, 4, 6, 8, 12, 16)
MEMORY = (1, 2, 4, 8)
SOURCE = shipped("devicenoise.js").read_text(encoding="utf-8").rstrip().rstrip(";")


@dataclass(frozen=True)
class DeviceNoise:
    """One visitor's noise: the seed of its canvas, WebGL and audio noise, and the device
    values it reads."""

    seed: int
    cores: int
    memory: int

    @classmethod
    def fresh(cls, unlike: DeviceNoise | None = None) -> DeviceNoise:
        """A new visitor's noise, drawn at random; with *unlike*, every part of it differs
        from that visitor's (its twin: a hash of any one surface tells the two apart)."""
        while True:
            noise = cls(secrets.randbits(32), secrets.choice(CORES), secrets.choice(MEMORY))
            if unlike is None or (noise.seed != unlike.seed and noise.cores != unlike.cores
                                  and noise.memory != unlike.memory):
                return noise

    @property
    def script(self) -> str:
        """The init script that gives a document (or a worker) this noise."""
        values = {"seed": self.seed, "cores": self.cores, "memory": self.memory}
        return f"{SOURCE}({json.dumps(values)});"

    @property
    def prelude(self) -> bytes:
        """The same, to put before a worker's script."""
        return self.script.encode("utf-8")
