"""Standard architectures as search candidates: ResNet (optionally with squeeze-and-excitation),
WideResNet, MobileNetV2 and V3-small, an EfficientNet-B0-like net, VGG-style nets and an MLP.

The definitions are compact and written here rather than taken from torchvision or timm:
PyPI's torchvision fails to import beside the CPU build of torch the project uses (``operator
torchvision::nms does not exist``), and torchvision's and timm's models are 2-D only. These
are dimension-generic — ``Conv1d`` for sequences ``(C, L)``, ``Conv2d`` for images
``(C, H, W)``, chosen by the input's rank — and adapted to small inputs (stride-1 stems; a
stage downsamples only while the map is long enough, so MNIST-1D's length 40 and 8x8 digits
work). Pretrained weights are never downloaded: a candidate may start from a local
safetensors file (``weights:`` in the space), and trains from scratch otherwise.

>>> import torch
>>> from netsynth.space.zoo_genotype import ZooGenotype
>>> net = build_zoo(ZooGenotype("mobilenet", "v3_small", width_multiplier=0.5), (3, 8, 8), 10)
>>> net(torch.zeros(2, 3, 8, 8)).shape
torch.Size([2, 10])
"""

from netsynth.nn.zoo.build import FAMILY_BUILDERS, build_zoo

__all__ = ["FAMILY_BUILDERS", "build_zoo"]
