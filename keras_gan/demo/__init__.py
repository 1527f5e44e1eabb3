"""The browser demo: a small server for the page and the TF.js model."""
