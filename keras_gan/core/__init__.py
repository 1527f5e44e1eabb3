"""The algorithm: losses, layers, the architecture registry, the GAN engine and its per-backend steps."""
