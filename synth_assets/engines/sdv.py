"""SDV single-table synthesizers (SDV 2.x API: metadata from a dict, dict-of-frames in and out)."""

import pandas as pd

from synth_assets.engines.base import GeneratorError, SyntheticGenerator
from synth_assets.engines.constraints import FixedCombinationsConstraint, InequalityConstraint
from synth_assets.schema import SchemaContract

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

        metadata = Metadata.load_from_dict({"tables": {_TABLE: {"columns": {c.name: {"sdtype": c.kind} for c in schema.columns}}}})
        synthesizer_class = getattr(sdv.single_table, SDV_MODELS[self.model])
        try:
            self._synthesizer = synthesizer_class(metadata, **self.params)
        except (TypeError, ValueError) as error:
            raise GeneratorError(f"sdv/{self.model}: invalid params {sorted(self.params)}: {error}") from None
        native = self._native_constraints(schema)
        if native:
            self._synthesizer.add_constraints(native)
        self._synthesizer.fit({_TABLE: train})

    def _native_constraints(self, schema: SchemaContract) -> list:
        """Fixed combinations of categories and numeric inequalities, modelled by SDV itself."""
        from sdv.cag import FixedCombinations, Inequality

        native = []
        for constraint in self.policy.constraints:
            if isinstance(constraint, FixedCombinationsConstraint) and all(c in schema.categorical for c in constraint.columns()):
                native.append(FixedCombinations(column_names=constraint.columns()))
            elif isinstance(constraint, InequalityConstraint) and {constraint.low, constraint.high} <= set(schema.numerical):
                native.append(Inequality(low_column_name=constraint.low, high_column_name=constraint.high))
        return native

    def _sample(self, n_rows: int, seed: int) -> pd.DataFrame:
        # SDV samples from a fixed internal seed unless told otherwise; there is no public setter.
        self._synthesizer._set_random_state(seed)
        return self._synthesizer.sample(n_rows)[_TABLE]

    def _sample_where(self, column: str, category: str, n_rows: int, seed: int) -> pd.DataFrame | None:
        from sdv.sampling import Condition

        self._synthesizer._set_random_state(seed)
        try:
            return self._synthesizer.sample_from_conditions([Condition({column: category}, num_rows=n_rows)])[_TABLE]
        except Exception:  # noqa: BLE001 - SDV raises when the condition cannot be met: fall back to rejection
            return None
