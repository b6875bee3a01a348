"""The Wide & Deep network (Cheng et al. 2016): a wide sparse linear model over hashed cross ids
(an `EmbeddingBag` of one weight per bucket, summed) that memorises this person's associations,
plus a deep MLP over the mood, the song's mood and audio features, and learned embeddings of user,
song, artist and genre that generalise across people. The output is the logit of "this person likes
this song in this mood".

All weights start at zero where it matters: the wide weights and the MLP's last layer, so an
untrained model scores every song 0 and the ranking is the pure mood match.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import torch
from torch import nn

from recommender.widedeep.config import WideDeepConfig
from recommender.widedeep.features import Batch, dense_width

EMBEDDING_INIT_STD = 0.01


class WideDeepModel(nn.Module):
    def __init__(self, config: WideDeepConfig) -> None:
        super().__init__()
        if config.user_dim != config.item_dim:
            raise ValueError("user_dim and item_dim must match: the deep part multiplies them")
        self.config = config
        self.wide = nn.EmbeddingBag(config.wide_buckets, 1, mode="sum", sparse=True, padding_idx=0)
        self.bias = nn.Parameter(torch.zeros(1))
        self.user = nn.Embedding(config.user_buckets, config.user_dim, padding_idx=0, sparse=True)
        self.song = nn.Embedding(config.song_buckets, config.item_dim, padding_idx=0, sparse=True)
        self.artist = nn.Embedding(
            config.artist_buckets, config.item_dim, padding_idx=0, sparse=True
        )
        self.genre = nn.EmbeddingBag(
            config.genre_buckets, config.genre_dim, mode="mean", padding_idx=0, sparse=True
        )
        width = dense_width(config) + config.user_dim * 2 + config.item_dim * 2 + config.genre_dim
        layers: list[nn.Module] = []
        for hidden in config.hidden:
            layers += [nn.Linear(width, hidden), nn.ReLU()]
            if config.dropout > 0:
                layers.append(nn.Dropout(config.dropout))
            width = hidden
        last = nn.Linear(width, 1)
        nn.init.zeros_(last.weight)
        nn.init.zeros_(last.bias)
        self.mlp = nn.Sequential(*layers, last)
        nn.init.zeros_(self.wide.weight)
        for table in (self.user, self.song, self.artist, self.genre):
            nn.init.normal_(table.weight, std=EMBEDDING_INIT_STD)
            with torch.no_grad():
                table.weight[0].zero_()

    def forward(self, batch: Batch) -> torch.Tensor:
        """Logits, shape (B,)."""
        wide = self.wide(batch.wide).squeeze(1)
        user = self.user(batch.user)
        item = self.song(batch.song) + self.artist(batch.artist)
        deep_in = torch.cat(
            [
                batch.dense,
                user,
                item,
                user * item,
                self.artist(batch.artist),
                self.genre(batch.genre),
            ],
            dim=1,
        )
        return wide + self.bias + self.mlp(deep_in).squeeze(1)

    def sparse_parameters(self) -> list[torch.Tensor]:
        return [
            self.wide.weight,
            self.user.weight,
            self.song.weight,
            self.artist.weight,
            self.genre.weight,
        ]

    def dense_parameters(self) -> list[torch.Tensor]:
        sparse = {id(p) for p in self.sparse_parameters()}
        return [p for p in self.parameters() if id(p) not in sparse]


@contextmanager
def torch_threads(count: int) -> Iterator[None]:
    """Run torch ops on `count` threads (0: leave as is). Scoring a few hundred rows is far faster on
    one thread than split across cores other work is using (measured: 25x on the shared CPU)."""
    before = torch.get_num_threads()
    if count <= 0 or count == before:  # nothing to change: never touch a setting others share
        yield
        return
    torch.set_num_threads(count)
    try:
        yield
    finally:
        torch.set_num_threads(before)
