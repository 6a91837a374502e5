"""The job store's engine: SQLite in the data folder by default, PostgreSQL when ICH_DATABASE_URL names one.

The schema is brought up to date with Alembic on start-up, so a new release migrates an existing store.
"""

from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import sessionmaker

MIGRATIONS = Path(__file__).parent / "migrations"
SQLITE_BUSY_TIMEOUT_S = 30  # the listener and the service write the same file


def sqlite_url(data_dir: Path) -> str:
    return f"sqlite:///{(data_dir / 'ich.sqlite3').resolve()}"


def make_engine(url: str) -> Engine:
    # Statement parameters are UIDs and paths; hidden, a failed statement's error (logged with its traceback) names
    # neither.
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S, "check_same_thread": False},
            hide_parameters=True,
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, hide_parameters=True)


def _sqlite_pragmas(connection, _record) -> None:
    # WAL: readers never block the writer, which matters with a listener and a worker in two processes.
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def migrate(engine: Engine) -> None:
    from alembic import command  # only where the integration runs: alembic costs a second to import
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":  # replicas starting together migrate one at a time
            connection.exec_driver_sql("SELECT pg_advisory_xact_lock(7731016)")
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def session_factory(engine: Engine) -> sessionmaker:
    return sessionmaker(engine, expire_on_commit=False)
