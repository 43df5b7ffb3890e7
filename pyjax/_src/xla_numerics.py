"""Constants of XLA:CPU's numerical kernels that pyjax reproduces in more than one place
(the NumPy emulations behind jax.random's bit-exact floats, and the compiler's math library)."""

# erf_inv for float64: three polynomial pieces (by w = -log((1 - x) * (1 + x)): w < 6.25,
# w < 16, larger), highest degree first.
ERF_INV_F64_COEFFS = (
    (-3.64441206401782e-21, -1.6850591381820166e-19, 1.28584807152564e-18,
     1.1157877678025181e-17, -1.3331716628546209e-16, 2.0972767875968562e-17,
     6.6376381343583238e-15, -4.0545662729752069e-14, -8.1519341976054722e-14,
     2.6335093153082323e-12, -1.2975133253453532e-11, -5.4154120542946279e-11,
     1.0512122733215323e-09, -4.1126339803469837e-09, -2.9070369957882005e-08,
     4.2347877827932404e-07, -1.3654692000834679e-06, -1.3882523362786469e-05,
     0.00018673420803405714, -0.000740702534166267, -0.0060336708714301491,
     0.24015818242558962, 1.6536545626831027),
    (2.2137376921775787e-09, 9.0756561938885391e-08, -2.7517406297064545e-07,
     1.8239629214389228e-08, 1.5027403968909828e-06, -4.013867526981546e-06,
     2.9234449089955446e-06, 1.2475304481671779e-05, -4.7318229009055734e-05,
     6.8284851459573175e-05, 2.4031110387097894e-05, -0.00035503752036284748,
     0.0009532893797373805, -0.0016882755560235047, 0.0024914420961078508,
     -0.0037512085075692412, 0.0053709145535900636, 1.0052589676941592,
     3.0838856104922208),
    (-2.7109920616438573e-11, -2.5556418169965252e-10, 1.5076572693500548e-09,
     -3.789465440126737e-09, 7.61570120807834e-09, -1.496002662714924e-08,
     2.9147953450901081e-08, -6.7711997758452339e-08, 2.2900482228026655e-07,
     -9.9298272942317e-07, 4.5260625972231537e-06, -1.9681778105531671e-05,
     7.5995277030017761e-05, -0.00021503011930044477, -0.00013871931833623122,
     1.0103004648645344, 4.8499064014085844))

# exp for float32 (Cephes' polynomial as XLA:CPU emits it): x clamped to [lo, hi],
# n = floor(x*log2e + 1/2) clamped to [-127, 127], r = x - n*c1 - n*c2, then the polynomial
# (highest degree first) and the scale 2**n built from the exponent bits (2**-127 gives 0).
EXP_F32 = dict(lo=-87.8, hi=88.8, log2e=1.44269504088896341, c1=0.693359375, c2=-2.12194440e-4,
               poly=(1.9875691500e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2,
                     1.6666665459e-1, 5.0000001201e-1))

# exp for float64 (Cephes' Pade form, Eigen's pexp_double as XLA's intrinsic): below lo 0,
# above hi inf; n = floor(x*log2e + 1/2), g = x - n*c1 - n*c2,
# e**g = 1 + 2*g*P(g*g) / (Q(g*g) - g*P(g*g)), times 2**n applied as four exponent factors.
EXP_F64 = dict(lo=-708.3964185322641, hi=709.782712893384, log2e=1.4426950408889634073599,
               c1=0.693145751953125, c2=1.42860682030941723212e-6,
               p=(1.26177193074810590878e-4, 3.02994407707441961300e-2,
                  9.99999999999999999910e-1),
               q=(3.00198505138664455042e-6, 2.52448340349684104192e-3,
                  2.27265548208155028766e-1, 2.00000000000000000009e0))

# rsqrt for float64: the AVX-512 estimate vrsqrt14pd (architecturally specified; Intel's
# reference algorithm: on m in [1, 2) and [2, 4), 32 segments each, estimate = c - d*(m' - y)
# with m' the mantissa cut to 15 fraction bits and y the segment's midpoint, evaluated exactly
# and cut to 16 fraction bits, scaled by 2**-19), refined by two Newton steps with FMAs.
# Rows: (d1, c1, d2, c2) of segment i on [1, 2) (d1 scaled by 2**8) and [2, 4) (d2 by 2**7).
RSQRT14_COEFFS = (
    (1001, 520261, 707, 367881), (955, 512437, 675, 362349), (915, 504953, 647, 357056),
    (877, 497790, 619, 351992), (841, 490922, 595, 347136), (807, 484331, 571, 342475),
    (775, 478001, 549, 337997), (747, 471909, 527, 333693), (719, 466046, 509, 329545),
    (693, 460397, 491, 325551), (669, 454947, 473, 321697), (647, 449688, 457, 317977),
    (625, 444606, 441, 314385), (603, 439694, 427, 310910), (585, 434939, 413, 307549),
    (567, 430335, 401, 304295), (549, 425875, 389, 301139), (533, 421551, 377, 298079),
    (517, 417355, 365, 295115), (501, 413284, 355, 292237), (487, 409329, 345, 289439),
    (473, 405487, 335, 286722), (461, 401748, 325, 284080), (449, 398111, 317, 281508),
    (437, 394571, 309, 279006), (425, 391127, 301, 276569), (415, 387770, 293, 274195),
    (403, 384498, 285, 271882), (393, 381307, 279, 269625), (385, 378194, 271, 267425),
    (375, 375155, 265, 265276), (367, 372190, 259, 263178))

# rsqrt for float32: XLA:CPU refines the SSE/AVX estimate rsqrtps by one Newton step with FMAs
# on AMD CPUs (two on others). rsqrtps is vendor-specific; this is AMD Zen's, read from the
# hardware: for m in [1, 4) (index: exponent parity, then the top 12 mantissa bits; 8192
# entries) the estimate is 0.5 + k * 2**-13 with a 12-bit k. Stored as zlib-compressed 2-bit
# steps k[i-1] - k[i] in {0, 1, 2}, each half starting from RSQRT_AMD_START.
RSQRT_AMD_START = (4095, 1696)
RSQRT_AMD_STEPS = (
    "eNqdkkFuxCAMRTczezOic55EMl2TiMz9j1I7QOVaxqHBevxnI2UTl6Mcn8ah/FCu4eLrU/U3r6qI/DpKYt4tR0TD"
    "z0zp5N1yRDSccy8xbQ3pV+SWacOzRomDvldG+o4iG24lE6jpvIR7gHCkkxo4kdrDjQN/Ov4GIrSU7mV3klWSVH9F"
    "oKsDwq2Z5bA+1kB46TrCCgO8t85CoWtm1nvceIcr3y3lLBkzFEkrHDu7cEke9DVj2MV67nMrLEDMxNbIRnoON3YW"
    "RD4D/U1Cp3arZ+BiQ8Hpqz94B8MoPWdoBW/XQgRa4w4Ilz04M5iYaZczY/wvOJbB8+L0lnszK5kA9fT0fKaffevn"
    "Bx95XN4=")


def rsqrt_amd_table():
    """The 8192 12-bit k of AMD's rsqrtps estimate (see RSQRT_AMD_STEPS), as Python ints."""
    import base64
    import zlib
    packed = zlib.decompress(base64.b64decode("".join(RSQRT_AMD_STEPS)))
    steps = [(b >> s) & 3 for b in packed for s in (0, 2, 4, 6)]
    out = []
    for half, start in enumerate(RSQRT_AMD_START):
        k = start
        for i in range(4096 * half, 4096 * (half + 1)):
            k -= steps[i]
            out.append(k)
    return out
