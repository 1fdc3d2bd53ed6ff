"""Paddle and the network: the quiet Paddle import, threads and device, the ResNet zoo, optimisers."""
