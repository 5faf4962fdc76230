"""SDV single-table synthesizers (SDV 2.x API: metadata from a dict, dict-of-frames in and out)."""

import pandas as pd

from synth_assets.engines.base import GeneratorError, SyntheticGenerator
from synth_assets.schema import ColumnContract, SchemaContract

SDV_MODELS = {
    "gaussian_copula": "GaussianCopulaSynthesizer",
    "ctgan": "CTGANSynthesizer",
    "tvae": "TVAESynthesizer",
    "copulagan": "CopulaGANSynthesizer",
}
_TABLE = "table"


class SdvGenerator(SyntheticGenerator):
    engine = "sdv"
    libraries = ("sdv", "rdt", "copulas", "ctgan", "torch")

    def _fit(self, train: pd.DataFrame, schema: SchemaContract) -> None:
        import sdv.single_table
        from sdv.metadata import Metadata

        metadata = Metadata.load_from_dict(
            {"tables": {_TABLE: {"columns": {c.name: _sdv_column(c) for c in schema.columns}}}}
        )
        synthesizer_class = getattr(sdv.single_table, SDV_MODELS[self.model])
        try:
            self._synthesizer = synthesizer_class(metadata, **self.params)
        except TypeError as error:
            raise GeneratorError(f"sdv/{self.model}: invalid params {sorted(self.params)}: {error}") from None
        self._synthesizer.fit({_TABLE: train})

    def _sample(self, n_rows: int, seed: int) -> pd.DataFrame:
        # SDV samples from a fixed internal seed unless told otherwise; there is no public setter.
        self._synthesizer._set_random_state(seed)
        return self._synthesizer.sample(n_rows)[_TABLE]


def _sdv_column(column: ColumnContract) -> dict:
    return {"sdtype": column.kind}
