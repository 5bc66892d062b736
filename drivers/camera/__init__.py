"""The document camera (高拍仪): capture, and a page pipeline of pure functions on arrays."""
