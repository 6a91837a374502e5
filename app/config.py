"""Service settings, read once from ICH_* environment variables."""

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from core.model_card import ModelCard

MIN_API_KEY_LENGTH = 16


@dataclass(frozen=True)
class TFOptions:
    """TensorFlow's runtime options, from the settings; app.serving.tf_setup applies them."""

    intra_op_threads: int = 0  # 0: TensorFlow's default, one per core
    inter_op_threads: int = 0
    onednn: bool = True
    cpu_bf16: bool = False  # oneDNN auto-mixed-precision to bfloat16; only on CPUs with AMX (amx_bf16)
    xla: bool = False
    gpu_memory_growth: bool = True
    gpu_mixed_precision: bool = False  # float16 auto-mixed-precision on GPUs


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ICH_", env_file=".env", extra="ignore")

    model_store: Path = Path("model_store")
    classifier_name: str = "ich_classifier"
    segmenter_name: str = "ich_segmenter"
    classifier_version: int | None = Field(None, ge=1, description="pin a version; default: the highest in the store")
    segmenter_version: int | None = Field(None, ge=1, description="pin a version; default: the highest in the store")
    reload_poll_s: float = Field(0.0, ge=0, description="poll the store for new versions every N s; 0 = off")
    host: str = "127.0.0.1"
    port: int = 8000
    threshold: float | None = Field(None, ge=0.0, le=1.0, description="overrides the classifier card's threshold")
    max_upload_bytes: int = Field(64 * 1024 * 1024, gt=0)
    max_image_pixels: int = Field(4096 * 4096, gt=0)
    max_request_bytes: int = Field(
        256 * 1024 * 1024, gt=0, description="whole request body; refused on Content-Length or while streaming"
    )
    max_inflight: int = Field(32, gt=0, description="requests handled at once; past it 503 with Retry-After")
    request_timeout_s: float = Field(
        50.0, gt=0, description="per request; 408 while the body is arriving, 504 after (below nginx's 60 s)"
    )
    api_key: SecretStr | None = Field(None, description="when set, every endpoint but the probes requires it")
    cors_origins: list[str] = Field(default_factory=list, description="allowed browser origins; empty = CORS off")
    log_level: str = Field("INFO", pattern="^(DEBUG|INFO|WARNING|ERROR)$")
    max_series_slices: int = Field(
        256, gt=0, description="files in one /v1/series request, or slices in one /v1/volume; past it 413"
    )
    series_batch_slices: int = Field(16, gt=0, description="slices per model call when a series is inferred")
    series_prefetch_chunks: int = Field(
        2, ge=0, description="chunks of a DICOM series decoded ahead while the models run; 0: decode, then infer"
    )
    max_volume_voxels: int = Field(
        256 * 512 * 512, gt=0, description="voxels in one series or volume (memory bound); checked before inflating"
    )
    # Serving performance (docs/performance.md measures each choice).
    batching: bool = Field(True, description="run concurrent requests' slices through the models as one batch")
    batch_max_size: int | None = Field(None, ge=1, description="slices per model call; unset: 8 on CPU, 32 on a GPU")
    batch_max_delay_ms: float = Field(2.0, ge=0, description="longest the first slice of a batch waits for others")
    engine: Literal["auto", "openvino", "tensorflow"] = Field(
        "auto", description="runs the SavedModels; auto: OpenVINO on a CPU, TensorFlow on a GPU"
    )
    tf_intra_op_threads: int = Field(0, ge=0, description="threads inside one TensorFlow op; 0 = one per core")
    tf_inter_op_threads: int = Field(0, ge=0, description="TensorFlow ops run at once; 0 = TensorFlow's choice")
    tf_onednn: bool = Field(True, description="oneDNN CPU kernels (TF_ENABLE_ONEDNN_OPTS)")
    cpu_bf16: bool = Field(
        False, description="bfloat16 on CPUs with AMX; off: the shipped models fail the fp32 equivalence check"
    )
    cpu_bf16_segmenter: bool = Field(
        False,
        description="the ResUNet alone in bfloat16 where the CPU has AMX (OpenVINO): about twice the throughput, but"
        " the served ResUNet v79 fails the equivalence check in it (one phantom's mask); off or elsewhere, fp32",
    )
    xla: bool = Field(False, description="XLA auto-clustering of the models' graphs; off: slower on CPU here")
    gpu_memory_growth: bool = Field(True, description="allocate GPU memory as needed rather than the whole card")
    gpu_mixed_precision: bool = Field(False, description="float16 auto-mixed-precision on GPUs (not yet verified)")

    # Hospital integration (docs/integration.md): DICOM in (STOW-RS, C-STORE), durable jobs, DICOM SEG/SR out.
    integration: bool = Field(False, description="STOW-RS/WADO-RS, /v1/jobs and the job worker in this process")
    data_dir: Path = Field(Path("data"), description="the SQLite job store and the received instances' spool")
    database_url: str | None = Field(
        None, description="SQLAlchemy URL, e.g. postgresql+psycopg://user@host/db; unset: SQLite in data_dir"
    )
    dicom_ae_title: str = Field("ICH_AI", pattern=r"^[!-~][ -~]{0,15}$", description="the C-STORE listener's AE title")
    dicom_host: str = Field("0.0.0.0", description="the C-STORE listener's bind address")
    dicom_port: int = Field(11112, ge=1, le=65535, description="the C-STORE listener's port")
    dicom_allowed_aes: list[str] = Field(default_factory=list, description="calling AE titles accepted; empty: any")
    series_quiet_s: float = Field(
        10.0, gt=0, description="a C-STORE study is complete after this long with no new file"
    )
    job_lease_s: float = Field(120.0, gt=0, description="a job whose worker stopped renewing is taken again after this")
    worker_poll_s: float = Field(1.0, gt=0, description="how often an idle worker looks for jobs")
    destinations: list[str] = Field(
        default_factory=list, description="where results are pushed: STOW-RS base URLs (http...) or AET@host:port"
    )
    delivery_max_attempts: int = Field(5, ge=1, description="tries per destination before a delivery is failed")
    delivery_backoff_s: float = Field(5.0, gt=0, description="wait before the first retry; doubles with each")
    retention_hours: float = Field(72.0, gt=0, description="received instances are purged this long after analysis")

    @property
    def database(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'ich.sqlite3').resolve()}"

    @property
    def tf_options(self) -> TFOptions:
        return TFOptions(
            intra_op_threads=self.tf_intra_op_threads,
            inter_op_threads=self.tf_inter_op_threads,
            onednn=self.tf_onednn,
            cpu_bf16=self.cpu_bf16,
            xla=self.xla,
            gpu_memory_growth=self.gpu_memory_growth,
            gpu_mixed_precision=self.gpu_mixed_precision,
        )

    def operating_threshold(self, classifier_card: ModelCard) -> float:
        """ICH_THRESHOLD when set, else the threshold the classifier's card chose on validation data."""
        return self.threshold if self.threshold is not None else classifier_card.threshold

    @field_validator("model_store")
    @classmethod
    def store_exists(cls, value: Path) -> Path:
        if not value.is_dir():
            raise ValueError(f"model store {value} is not a directory")
        return value

    @field_validator("api_key")
    @classmethod
    def api_key_long_enough(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < MIN_API_KEY_LENGTH:
            raise ValueError(f"api_key must be at least {MIN_API_KEY_LENGTH} characters")
        return value


@lru_cache
def get_settings() -> Settings:
    return Settings()
