#!/usr/bin/env python3
"""Converts a binary PPM (P6) written by driffusion-train into a PNG: ppm_to_png.py in.ppm out.png"""
import sys

from PIL import Image

if len(sys.argv) != 3:
    sys.exit(__doc__)
Image.open(sys.argv[1]).convert("RGB").save(sys.argv[2], optimize=True)
