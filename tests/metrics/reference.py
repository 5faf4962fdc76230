"""Reference formulas the metric tests compare against, written out from their papers (not from
the code under test)."""


def wilson(k: int, n: int, z: float = 1.959964) -> tuple[float, float]:
    """Wilson's score interval, written out from Wilson (1927) / Newcombe (1998), method 3."""
    p = k / n
    centre = (2 * n * p + z * z) / (2 * (n + z * z))
    half = z * (z * z + 4 * n * p * (1 - p)) ** 0.5 / (2 * (n + z * z))
    return max(0.0, centre - half), min(1.0, centre + half)


def newcombe(k_a: int, n_a: int, k_b: int, n_b: int) -> tuple[float, float, float]:
    """Newcombe's (1998) method 10 for p_a - p_b, from the two Wilson intervals: (d, low, high)."""
    p_a, p_b = k_a / n_a, k_b / n_b
    (l_a, u_a), (l_b, u_b) = wilson(k_a, n_a), wilson(k_b, n_b)
    d = p_a - p_b
    return d, d - ((p_a - l_a) ** 2 + (u_b - p_b) ** 2) ** 0.5, d + ((u_a - p_a) ** 2 + (p_b - l_b) ** 2) ** 0.5
