/* streamfit's native CSV number kernel (optional; python/streamfit/_native/__init__.py loads it).
 *
 * sf_csv_decimal: for each field a[starts[k]:ends[k]], trim ASCII spaces and tabs, then take the
 * plain decimal form [+-]?digits with at most one "." (1 to 15 characters after the sign, not a lone
 * "."): the mantissa M (the digits without the dot, below 10^15, so exact in a double) divided by
 * 10^q (q = digits after the dot, exact) is one correctly rounded IEEE division (Clinger's fast
 * path), the correctly rounded double SPEC 2.4 asks for. Fields it does not take (exponents,
 * nan/inf, longer ones, anything malformed) get ok = 0 and go to the numpy grammar in
 * csv_number.py. The numpy twin of this rule is csv_decimal.py's parse_decimal.
 * Build: cc -O2 -shared -fPIC (no -ffast-math: the division must be IEEE's).
 */
#include <stdint.h>

static const double POW10[16] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7,
                                 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};

void sf_csv_decimal(const uint8_t *a, const int64_t *starts, const int64_t *ends, int64_t n,
                    int64_t *s_out, int64_t *e_out, double *values, uint8_t *ok) {
  for (int64_t k = 0; k < n; k++) {
    int64_t s = starts[k], e = ends[k];
    while (s < e && (a[s] == ' ' || a[s] == '\t')) s++;
    while (e > s && (a[e - 1] == ' ' || a[e - 1] == '\t')) e--;
    s_out[k] = s;
    e_out[k] = e;
    values[k] = 0.0;
    ok[k] = 0;
    int64_t p = s;
    int neg = 0;
    if (p < e && (a[p] == '+' || a[p] == '-')) {
      neg = a[p] == '-';
      p++;
    }
    int64_t len = e - p;
    if (len < 1 || len > 15) continue;
    uint64_t m = 0;
    int dots = 0, frac = 0, bad = 0;
    for (int64_t i = p; i < e; i++) {
      uint8_t c = a[i];
      if (c >= '0' && c <= '9') {
        m = m * 10u + (uint64_t)(c - '0');
        frac += dots;
      } else if (c == '.' && !dots) {
        dots = 1;
      } else {
        bad = 1;
        break;
      }
    }
    if (bad || len <= dots) continue;
    double v = (double)m / POW10[frac];
    values[k] = neg ? -v : v;
    ok[k] = 1;
  }
}
