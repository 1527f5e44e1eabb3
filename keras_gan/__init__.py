"""keras-gan: MNIST digit GANs in Keras 3 on TensorFlow.

Entry points: `keras_gan.training.train` (and `train.py`), `keras_gan.generate`,
`keras_gan.evaluate`. The engine is `keras_gan.engine.GAN`; networks are
registered in `keras_gan.networks.NETWORKS`.
"""
