"""The generator and the views it builds from model metadata."""
