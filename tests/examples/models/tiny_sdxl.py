"""Write a tiny SDXL pipeline with random weights, in diffusers format, to ``sys.argv[1]``.

Run with the sdxl-turbo example's own Python: its architecture and files are those of
stabilityai/sdxl-turbo (two CLIP text encoders, a UNet with SDXL's time and text embeddings, a
VAE, an Euler Ancestral scheduler) at a few hundred kilobytes, so the example's real loading and
generating code runs on a CPU in a second. The images are noise.
"""

import json
import sys
from pathlib import Path

import torch
from diffusers import (
    AutoencoderKL,
    EulerAncestralDiscreteScheduler,
    StableDiffusionXLPipeline,
    UNet2DConditionModel,
)
from transformers import CLIPTextConfig, CLIPTextModel, CLIPTextModelWithProjection, CLIPTokenizer


def byte_level_alphabet() -> list[str]:
    """The 256 characters CLIP's byte-level BPE maps bytes to."""
    printable = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1)]
    printable += range(ord("®"), ord("ÿ") + 1)
    extra = iter(range(256, 512))
    return [chr(b) if b in printable else chr(next(extra)) for b in range(256)]


def tokenizer(directory: Path) -> CLIPTokenizer:
    directory.mkdir(parents=True)
    letters = byte_level_alphabet()
    vocab = ["<|startoftext|>", "<|endoftext|>", *letters, *(c + "</w>" for c in letters)]
    (directory / "vocab.json").write_text(json.dumps({t: i for i, t in enumerate(vocab)}))
    (directory / "merges.txt").write_text("#version: 0.2\n")
    return CLIPTokenizer(
        str(directory / "vocab.json"),
        str(directory / "merges.txt"),
        pad_token="<|endoftext|>",
        model_max_length=77,
    )


def main(target: Path) -> None:
    torch.manual_seed(0)
    text = CLIPTextConfig(
        bos_token_id=0,
        eos_token_id=1,
        pad_token_id=1,
        hidden_size=32,
        intermediate_size=37,
        num_attention_heads=4,
        num_hidden_layers=2,
        vocab_size=520,
        projection_dim=32,
    )
    unet = UNet2DConditionModel(
        block_out_channels=(32, 64),
        layers_per_block=1,
        sample_size=32,
        in_channels=4,
        out_channels=4,
        down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
        up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"),
        attention_head_dim=(2, 4),
        use_linear_projection=True,
        addition_embed_type="text_time",
        addition_time_embed_dim=8,
        transformer_layers_per_block=(1, 1),
        projection_class_embeddings_input_dim=6 * 8 + 32,
        cross_attention_dim=64,
        norm_num_groups=1,
    )
    vae = AutoencoderKL(
        block_out_channels=[8, 8, 8, 8],
        in_channels=3,
        out_channels=3,
        down_block_types=["DownEncoderBlock2D"] * 4,
        up_block_types=["UpDecoderBlock2D"] * 4,
        latent_channels=4,
        norm_num_groups=1,
    )
    scratch = target.with_name(target.name + "-tokenizer")
    pipeline = StableDiffusionXLPipeline(
        vae=vae,
        text_encoder=CLIPTextModel(text),
        text_encoder_2=CLIPTextModelWithProjection(text),
        tokenizer=tokenizer(scratch),
        tokenizer_2=tokenizer(scratch.with_name(scratch.name + "-2")),
        unet=unet,
        scheduler=EulerAncestralDiscreteScheduler(timestep_spacing="trailing"),
    )
    pipeline.save_pretrained(target)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
