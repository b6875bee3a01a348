"""The Wide & Deep ranker: hashed cross features, the torch model, batch and online training,
versioned models on disk with replay of what was learned online, and the `Recommender` over them."""

from recommender.widedeep.config import LabelPolicy, WideDeepConfig
from recommender.widedeep.model import WideDeepModel
from recommender.widedeep.ranker import WideDeepRecommender, train_model
from recommender.widedeep.versions import Cutoff, FeedbackLog, ModelFolder, VersionMeta

__all__ = [
    "Cutoff",
    "FeedbackLog",
    "LabelPolicy",
    "ModelFolder",
    "VersionMeta",
    "WideDeepConfig",
    "WideDeepModel",
    "WideDeepRecommender",
    "train_model",
]
