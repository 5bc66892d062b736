"""Faces for the virtual hut's front camera: scenes made from real photographs."""
