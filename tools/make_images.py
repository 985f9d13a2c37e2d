"""Draw the fictional Northmoor logo and the demo chair's signature (run once; output committed).

Both are invented artwork for a fictional council: a stylised moor under a sky in a shield, and
a handwritten-looking squiggle. Kept as a script so anyone can see there is nothing real in them.
"""

from __future__ import annotations

import math
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parent.parent / "templates" / "authorities"
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"


def logo() -> None:
    size = 600
    img = Image.new("RGBA", (size, size), (255, 255, 255, 0))
    d = ImageDraw.Draw(img)
    teal, green, gold = (0, 92, 99, 255), (58, 125, 68, 255), (232, 178, 45, 255)
    shield = [(60, 40), (540, 40), (540, 300)]
    for i in range(0, 181, 3):
        a = math.radians(i)
        shield.append((300 + 240 * math.cos(a), 300 + 260 * math.sin(a)))
    shield.append((60, 300))
    d.polygon(shield, fill=teal)
    d.ellipse((360, 90, 460, 190), fill=gold)  # the sun
    hills = [(60, 330)]
    for x in range(60, 541, 6):
        hills.append((x, 330 - 60 * math.sin((x - 60) / 480 * math.pi * 1.6)))
    hills += [(540, 560), (60, 560)]
    d.polygon(hills, fill=green)
    mask = Image.new("L", (size, size), 0)
    ImageDraw.Draw(mask).polygon(shield, fill=255)
    img.putalpha(mask)
    font = ImageFont.truetype(FONT, 150)
    d = ImageDraw.Draw(img)
    d.text((300, 430), "N", font=font, fill=(255, 255, 255, 255), anchor="mm")
    # Drawn at twice the size and scaled down, for smooth edges; 300 px is about 350 dpi at the
    # letterhead's 22 mm. A PDF re-encodes its images every time, so pixels beyond what print
    # can use cost time in every letter.
    img.resize((300, 300), Image.Resampling.LANCZOS).save(ROOT / "logo.png", optimize=True)


def signature() -> None:
    w, h = 900, 260
    img = Image.new("RGBA", (w, h), (255, 255, 255, 0))
    d = ImageDraw.Draw(img)
    ink = (20, 40, 110, 255)
    pts = []
    for i in range(400):
        t = i / 399
        x = 60 + 760 * t
        y = 150 - 60 * math.sin(t * math.pi * 7) * (1 - t * 0.6) - 30 * math.sin(t * math.pi * 2)
        pts.append((x, y))
    d.line(pts, fill=ink, width=7, joint="curve")
    d.line([(90, 70), (70, 220)], fill=ink, width=7)
    d.line([(120, 215), (820, 195)], fill=ink, width=4)
    # About 280 dpi at the 16 mm it is printed at (see logo()).
    img.resize((600, 173), Image.Resampling.LANCZOS).save(
        ROOT / "signatures" / "chair-okafor.png", optimize=True
    )


if __name__ == "__main__":
    logo()
    signature()
