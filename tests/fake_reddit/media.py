"""Media the fake serves: small real PNGs, DASH manifests, and tracks made with ffmpeg."""

from __future__ import annotations

import struct
import subprocess
import zlib
from pathlib import Path
from typing import Any


def png(seed: int, size: int = 8) -> bytes:
    """A real `size`x`size` PNG of one colour picked by `seed`."""
    colour = bytes(((seed * 67) % 256, (seed * 131) % 256, (seed * 29 + 90) % 256))
    raw = b"".join(b"\x00" + colour * size for _ in range(size))

    def chunk(tag: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + tag + body + struct.pack(">I", zlib.crc32(tag + body))

    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def make_tracks(folder: Path) -> dict[str, bytes]:
    """Video-only tracks at two heights and one audio-only track, made now with the ffmpeg that
    imageio-ffmpeg ships (the one Kairos itself merges with)."""
    import imageio_ffmpeg

    ffmpeg = imageio_ffmpeg.get_ffmpeg_exe()
    folder.mkdir(parents=True, exist_ok=True)
    made = {}
    for height in (240, 480):
        out = folder / f"video_{height}.mp4"
        subprocess.run([ffmpeg, "-v", "error", "-y", "-f", "lavfi", "-i",
                        f"testsrc=size={height * 16 // 9 // 2 * 2}x{height}:rate=10", "-t", "1",
                        "-c:v", "libx264", "-pix_fmt", "yuv420p", "-an", str(out)], check=True)
        made[f"video_{height}"] = out.read_bytes()
    for rate in (64, 128):
        out = folder / f"audio_{rate}.mp4"
        subprocess.run([ffmpeg, "-v", "error", "-y", "-f", "lavfi", "-i",
                        f"sine=frequency={rate * 4}:duration=1", "-c:a", "aac", "-b:a", f"{rate}k",
                        "-vn", str(out)], check=True)
        made[f"audio_{rate}"] = out.read_bytes()
    return made


def manifest(video: dict[str, Any]) -> str:
    """A DASH manifest as v.redd.it writes them: video heights, then the audio set if any."""
    audio = ""
    if video["audio"]:
        low = video["audio_name"].replace("128", "64")
        audio = f"""
    <AdaptationSet id="1" contentType="audio" lang="en" segmentAlignment="true">
      <Representation id="4" mimeType="audio/mp4" codecs="mp4a.40.2"
                      bandwidth="64000" audioSamplingRate="44100">
        <BaseURL>{low if low != video["audio_name"] else "DASH_audio_low.mp4"}</BaseURL>
      </Representation>
      <Representation id="5" mimeType="audio/mp4" codecs="mp4a.40.2"
                      bandwidth="128000" audioSamplingRate="44100">
        <BaseURL>{video["audio_name"]}</BaseURL>
      </Representation>
    </AdaptationSet>"""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" profiles="urn:mpeg:dash:profile:isoff-on-demand:live:2011"
     type="static" mediaPresentationDuration="PT1.0S" minBufferTime="PT1.500S">
  <Period duration="PT1.0S">
    <AdaptationSet id="0" contentType="video" maxWidth="854" maxHeight="480" segmentAlignment="true">
      <Representation id="2" mimeType="video/mp4" codecs="avc1.4d401e"
                      width="426" height="240" bandwidth="300000" frameRate="10">
        <BaseURL>DASH_240.mp4</BaseURL>
      </Representation>
      <Representation id="3" mimeType="video/mp4" codecs="avc1.4d401f"
                      width="854" height="480" bandwidth="1200000" frameRate="10">
        <BaseURL>DASH_480.mp4</BaseURL>
      </Representation>
    </AdaptationSet>{audio}
  </Period>
</MPD>
"""
