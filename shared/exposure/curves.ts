import type { LuxTable } from "../contracts/settings";
import type { EV_CURVES, WB_CURVES } from "../contracts/profile";

/** The first system's adaptive white-balance curves, lux → kelvin. */
export const WB_CURVE_TABLES: Record<(typeof WB_CURVES)[number], LuxTable> = {
  balanced: [[100, 3500], [300, 3700], [500, 3900], [700, 4100], [1000, 4300], [1500, 4600], [2000, 4800], [3000, 5100], [4000, 5300], [6000, 5450], [8000, 5500], [10000, 5500]],
  conservative: [[100, 3700], [300, 3900], [500, 4100], [700, 4300], [1000, 4500], [1500, 4800], [2000, 5000], [3000, 5250], [4000, 5400], [6000, 5550], [8000, 5600], [10000, 5600]],
  warm: [[100, 3400], [300, 3500], [500, 3600], [700, 3800], [1000, 4000], [1500, 4300], [2000, 4500], [3000, 4800], [4000, 5100], [6000, 5350], [8000, 5500], [10000, 5500]],
};

/** The first system's adaptive EV curve, lux → EV compensation. */
const STANDARD_EV: LuxTable = [[100, 1.0], [500, 1.0], [1000, 0.7], [1500, 0.5], [3000, 0.3], [6000, 0], [10000, 0], [20000, -0.3], [30000, -0.5], [40000, -0.7]];
export const EV_CURVE_TABLES: Record<(typeof EV_CURVES)[number], LuxTable> = { standard: STANDARD_EV, adaptive: STANDARD_EV };

/** White balance when the scene's lux is unknown. */
export const UNKNOWN_LUX_KELVIN = 5500;
