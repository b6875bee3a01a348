"""Voice notes to mood: decode (PyAV), trim silence (silero-vad), speech to text (faster-whisper),
prosody (librosa), and one fused `Mood`. `nlp.voice.analyzer` has `VoiceAnalyzer` (in process),
`VoiceReading` (what it returns) and the `VoiceAnalysis` seam; `nlp.client.RemoteVoiceAnalyzer` is
the same seam over HTTP. Only the refusal is exported here, so that code which merely handles
refusals (the conversation core) does not load the audio libraries.
"""

from nlp.voice.rejected import RejectReason, VoiceRejected

__all__ = ["RejectReason", "VoiceRejected"]
