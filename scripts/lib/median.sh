# The median of the numbers given as arguments, for the benchmark scripts: the middle one, or the mean of the two
# middle ones for an even count. Source this file, then: median 3 1 2 → 2.
median() {
    printf '%s\n' "$@" | sort -g |
        awk '{ v[NR] = $1 } END { m = (NR + 1) / 2; printf "%.10g", (v[int(m)] + v[int(m + 0.5)]) / 2 }'
}
