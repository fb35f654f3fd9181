"""Regions: county -> city -> province, from the 2020 census county file.

The table is columnar (one numpy array per field) because every consumer works on whole columns: eligibility
compares the home county of 200,000 providers with the county of 20,000 cases at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

DEFAULT_COUNTIES_CSV = Path(__file__).parent / "data" / "counties_2020.csv"
EARTH_RADIUS_KM = 6371.0088


@dataclass(frozen=True)
class Regions:
    """All county-level units, indexed 0..n-1 in file order.

    Attributes
    ----------
    adcode : int64 array
        Six-digit division codes.
    county, city, province : object arrays of str
        Names as of the 2020 census.
    city_idx, province_idx : int32 arrays
        Dense indices of the city and the province of each county.
    population, urban_population : int64 arrays
        Residents in 2020.
    minority_share_pct : float64 array
        Share of ethnic-minority residents, percent.
    longitude, latitude : float64 arrays
        Degrees; missing points are filled with the mean of the city (else province).
    """

    adcode: np.ndarray
    county: np.ndarray
    city: np.ndarray
    province: np.ndarray
    city_idx: np.ndarray
    province_idx: np.ndarray
    population: np.ndarray
    urban_population: np.ndarray
    minority_share_pct: np.ndarray
    share_0_14_pct: np.ndarray
    share_65_plus_pct: np.ndarray
    registered_other_province: np.ndarray
    construction_workers_sample: np.ndarray
    longitude: np.ndarray
    latitude: np.ndarray
    province_names: tuple[str, ...]

    @property
    def num_counties(self) -> int:
        return int(self.adcode.shape[0])

    def index_of(self, adcodes: np.ndarray | list[int] | pd.Series) -> np.ndarray:
        """Map adcodes to county indices; unknown codes map to -1."""
        codes = np.asarray(adcodes, dtype=np.int64)
        order = np.argsort(self.adcode, kind="stable")
        sorted_codes = self.adcode[order]
        pos = np.searchsorted(sorted_codes, codes)
        pos = np.clip(pos, 0, len(sorted_codes) - 1)
        found = sorted_codes[pos] == codes
        return np.where(found, order[pos], -1).astype(np.int64)

    def in_provinces(self, names: list[str] | tuple[str, ...]) -> np.ndarray:
        """Boolean mask of counties whose province name is in ``names``."""
        return np.isin(self.province, list(names))

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "adcode": self.adcode,
                "province": self.province,
                "city": self.city,
                "county": self.county,
                "population": self.population,
                "minority_share_pct": self.minority_share_pct,
                "longitude": self.longitude,
                "latitude": self.latitude,
            }
        )


def great_circle_km(lon1: np.ndarray, lat1: np.ndarray, lon2: np.ndarray, lat2: np.ndarray) -> np.ndarray:
    """Haversine distance in km between points given in degrees (vectorised, broadcasting)."""
    lam1, phi1, lam2, phi2 = (np.radians(np.asarray(a, dtype=np.float64)) for a in (lon1, lat1, lon2, lat2))
    dphi = phi2 - phi1
    dlam = lam2 - lam1
    a = np.sin(dphi / 2.0) ** 2 + np.cos(phi1) * np.cos(phi2) * np.sin(dlam / 2.0) ** 2
    return 2.0 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def _fill_missing_points(df: pd.DataFrame) -> pd.DataFrame:
    for col in ("longitude", "latitude"):
        by_city = df.groupby(["province", "city"])[col].transform("mean")
        by_province = df.groupby("province")[col].transform("mean")
        df[col] = df[col].fillna(by_city).fillna(by_province)
    return df


@lru_cache(maxsize=4)
def load_regions(path: str | Path | None = None) -> Regions:
    """Load the county file into a :class:`Regions` table.

    Parameters
    ----------
    path : str or Path, optional
        County CSV; default is the packaged copy of the 2020 census file.

    Raises
    ------
    ValueError
        When a required column is missing or an adcode repeats.
    """
    csv_path = Path(path) if path is not None else DEFAULT_COUNTIES_CSV
    df = pd.read_csv(csv_path, dtype={"adcode": np.int64})
    required = [
        "adcode", "province", "city", "county", "population", "urban_population", "minority_share_pct",
        "longitude", "latitude",
    ]
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise ValueError(f"{csv_path}: missing column(s) {missing}")
    if df["adcode"].duplicated().any():
        dup = int(df.loc[df["adcode"].duplicated(), "adcode"].iloc[0])
        raise ValueError(f"{csv_path}: column adcode: code {dup} repeats")
    for optional in ("share_0_14_pct", "share_65_plus_pct", "registered_other_province", "construction_workers_sample"):
        if optional not in df.columns:
            df[optional] = 0.0
    df = _fill_missing_points(df)
    province_codes, province_names = pd.factorize(df["province"], sort=False)
    city_codes, _ = pd.factorize(df["province"] + "/" + df["city"], sort=False)
    return Regions(
        adcode=df["adcode"].to_numpy(np.int64),
        county=df["county"].to_numpy(object),
        city=df["city"].to_numpy(object),
        province=df["province"].to_numpy(object),
        city_idx=city_codes.astype(np.int32),
        province_idx=province_codes.astype(np.int32),
        population=df["population"].fillna(0).to_numpy(np.int64),
        urban_population=df["urban_population"].fillna(0).to_numpy(np.int64),
        minority_share_pct=df["minority_share_pct"].fillna(0).to_numpy(np.float64),
        share_0_14_pct=df["share_0_14_pct"].fillna(0).to_numpy(np.float64),
        share_65_plus_pct=df["share_65_plus_pct"].fillna(0).to_numpy(np.float64),
        registered_other_province=df["registered_other_province"].fillna(0).to_numpy(np.float64),
        construction_workers_sample=df["construction_workers_sample"].fillna(0).to_numpy(np.float64),
        longitude=df["longitude"].to_numpy(np.float64),
        latitude=df["latitude"].to_numpy(np.float64),
        province_names=tuple(str(p) for p in province_names),
    )
