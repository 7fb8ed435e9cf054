"""Backbones (sequence encoders). Each registers a BackboneSpec under the `sracl.backbones` entry points."""
