/**
 * Seed 004 ("business-risk"): monthly PANEL data for 10,000 businesses (8 industries x 1,250,
 * the seed's businesses_per_industry), 36 months each ("2-3 years of historical data per
 * business"), 20 features per month, and default risk at 6/9/12-month horizons.
 *
 * Layout: one segment per business (`B00001` ...), its months contiguous; timestamps are the
 * first of each month (UTC). Businesses enter the panel at staggered calendar months (0-23
 * months after `start`), so a row's calendar month and macro state say nothing about its
 * position in its own history. Industry = business index mod 8 (interleaved, so any contiguous
 * split over segments keeps every industry).
 *
 * Shared drivers:
 * - economic cycle: a ~60-month sine + AR(1) noise + one recession (a dip of ~1.5 units over
 *   6-12 months, somewhere in the middle of the calendar), the same for every business;
 *   market_index = 100 x exp(0.06 x cycle + 0.3 %/month trend)
 * - industry: cycle sensitivity (beta), its own AR(1) noise, a seasonal revenue curve (retail
 *   peaks in December, hospitality in August, agriculture in September, construction in July,
 *   ...; amplitude 4-35 %); industry_index = 100 x exp(0.06 x industry cycle + season / 2)
 *
 * Features (20, per business-month):
 *  0 revenue                k$ in the month (log-normal size x season x cycle x own trend)
 *  1 revenue_growth         month-over-month change of revenue (fraction)
 *  2 gross_margin           fraction
 *  3 operating_margin       fraction
 *  4 cash_ratio             cash / current liabilities
 *  5 current_ratio          current assets / current liabilities
 *  6 debt_to_equity         ratio
 *  7 interest_coverage      EBIT / interest expense
 *  8 days_sales_outstanding days
 *  9 days_payable           days payable outstanding
 * 10 inventory_turnover     cost of goods / average inventory, annualised
 * 11 employee_count         headcount
 * 12 late_payments          count of supplier payments made late in the month
 * 13 credit_utilization     drawn / available credit line (0-1)
 * 14 customer_concentration revenue share of the largest customer (0-1)
 * 15 market_index           shared economic cycle (index, ~100)
 * 16 industry_index         the business's industry (index, ~100)
 * 17 sentiment              news / review sentiment (-1..1)
 * 18 month_sin, 19 month_cos  calendar month on the unit circle
 * Every business has its own baseline for each ratio (log-normal or normal spread across
 * businesses comparable to the distress effects) and AR(1) month-to-month noise, so one row
 * alone separates poorly; the trajectory (steady decline vs noise) carries the signal.
 *
 * Risk: a fraction `distressRate` (default 30 %, weighted by industry propensity: hospitality
 * and construction highest, healthcare lowest) of businesses deteriorate and default in month
 * D, drawn uniformly 0-11 months after the last observed row (a default ends a business's
 * history, and segments are equal-length, so defaults happen after the observation window: the
 * usual observation / performance window split of credit scoring). Deterioration starts 15-24
 * months before D; its severity rises as 0.4 x (fraction of that run-up elapsed)^1.3 and drives
 * one distress type (effects below are at severity 1, i.e. 0.4 x them at default):
 * - liquidity_crunch  cash and current ratio collapse, payables stretch, late payments and
 *                     credit-line use climb
 * - revenue_collapse  revenue falls up to ~45 %, margins shrink, headcount is cut, customer
 *                     concentration and negative sentiment rise
 * - leverage_spiral   debt-to-equity triples, interest coverage collapses, credit-line use rises
 * with milder spill-over into the other groups. Labels: label = 1 (type = the distress type) on
 * the observed rows of the 12 months before default (so `labels` equals `risk_12m`);
 * targets risk_6m / risk_9m / risk_12m = 1 where the business defaults within the next 6 / 9 /
 * 12 months (nested by construction). Another 15 % of the healthy businesses go through a
 * temporary shock (3-9 months, peak 0.3-0.7 x EFFECT_SCALE, then recovery) of a random type and stay
 * labelled 0: realistic false alarms that keep the task from being trivially separable.
 */

import { createRng, type Rng } from './rng'
import type { LabelledSeries, Segment } from './series'

export const BUSINESS_RISK_FEATURES: string[] = [
  'revenue',
  'revenue_growth',
  'gross_margin',
  'operating_margin',
  'cash_ratio',
  'current_ratio',
  'debt_to_equity',
  'interest_coverage',
  'days_sales_outstanding',
  'days_payable',
  'inventory_turnover',
  'employee_count',
  'late_payments',
  'credit_utilization',
  'customer_concentration',
  'market_index',
  'industry_index',
  'sentiment',
  'month_sin',
  'month_cos'
]

export const BUSINESS_RISK_TYPES: string[] = ['liquidity_crunch', 'revenue_collapse', 'leverage_spiral']

interface Industry {
  name: string
  /** Median monthly revenue, k$. */
  revenue: number
  /** Seasonal amplitude (log revenue) and peak month (0 = January). */
  seasonAmp: number
  seasonPeak: number
  /** Sensitivity to the economic cycle. */
  beta: number
  grossMargin: number
  inventoryTurnover: number
  dso: number
  /** Relative likelihood of distress. */
  propensity: number
}

export const INDUSTRIES: readonly Industry[] = [
  { name: 'retail', revenue: 400, seasonAmp: 0.25, seasonPeak: 11, beta: 1, grossMargin: 0.35, inventoryTurnover: 8, dso: 12, propensity: 1.2 },
  { name: 'manufacturing', revenue: 900, seasonAmp: 0.08, seasonPeak: 2, beta: 1.3, grossMargin: 0.28, inventoryTurnover: 6, dso: 50, propensity: 1 },
  { name: 'construction', revenue: 700, seasonAmp: 0.22, seasonPeak: 6, beta: 1.5, grossMargin: 0.2, inventoryTurnover: 10, dso: 60, propensity: 1.3 },
  { name: 'hospitality', revenue: 250, seasonAmp: 0.3, seasonPeak: 7, beta: 1.2, grossMargin: 0.6, inventoryTurnover: 25, dso: 8, propensity: 1.5 },
  { name: 'technology', revenue: 600, seasonAmp: 0.05, seasonPeak: 11, beta: 0.8, grossMargin: 0.65, inventoryTurnover: 15, dso: 55, propensity: 0.8 },
  { name: 'healthcare', revenue: 500, seasonAmp: 0.04, seasonPeak: 0, beta: 0.3, grossMargin: 0.45, inventoryTurnover: 12, dso: 45, propensity: 0.5 },
  { name: 'transportation', revenue: 550, seasonAmp: 0.12, seasonPeak: 9, beta: 1.1, grossMargin: 0.25, inventoryTurnover: 30, dso: 40, propensity: 1 },
  { name: 'agriculture', revenue: 350, seasonAmp: 0.35, seasonPeak: 8, beta: 0.6, grossMargin: 0.22, inventoryTurnover: 4, dso: 35, propensity: 0.9 }
]

/**
 * Effect of distress at severity 1 per type, per driver (scaled by EFFECT_SCALE). Rows: liquidity_crunch,
 * revenue_collapse, leverage_spiral. Log shifts for multiplicative quantities.
 */
const EFFECTS = {
  logRevenue: [-0.1, -0.6, -0.15],
  grossMargin: [-0.02, -0.08, -0.03],
  operatingMargin: [-0.05, -0.15, -0.08],
  logCash: [-1.4, -0.6, -0.5],
  currentRatio: [-0.6, -0.3, -0.3],
  logDebtEquity: [0.3, 0.4, 1.2],
  logCoverage: [-0.4, -1, -1.6],
  dso: [25, 15, 8],
  dpo: [45, 15, 20],
  logInventory: [-0.2, -0.5, -0.1],
  logEmployees: [-0.1, -0.3, -0.1],
  latePayments: [5, 2, 3],
  utilization: [0.45, 0.2, 0.35],
  concentration: [0.03, 0.2, 0.02],
  sentiment: [-0.3, -0.6, -0.3]
} as const

export interface BusinessRiskOptions {
  businesses?: number
  months?: number
  seed?: number
  /** Fraction of businesses that default within 12 months of their last row. */
  distressRate?: number
  start?: string
  /** Multiplies `businesses`. */
  scale?: number
}

export const BUSINESS_RISK_DEFAULTS = {
  businesses: 10_000,
  months: 36,
  seed: 4,
  distressRate: 0.3,
  start: '2019-01-01T00:00:00Z',
  scale: 1
} as const

/** Calendar months a business may enter the panel after `start`. */
const MAX_OFFSET = 24
const FALSE_ALARM_RATE = 0.15
const DISTRESS_MONTHS = 12
/**
 * Distress dynamics, tuned with a linear probe (logistic regression on each row plus its 6-month
 * change, trained on half the businesses, class-balanced): it reaches balanced accuracy ~0.88 /
 * 0.87 / 0.83 at 6 / 9 / 12 months on the other half, i.e. the seed's 88 / 86 / 85 % targets
 * are within reach of a sequence model without the task being trivial. Effects at full scale
 * made the 6-month horizon ~99 % separable; a deterioration that starts only 12 months out left
 * the 12-month horizon near chance at its early rows, hence the earlier, slower onset.
 */
const EFFECT_SCALE = 0.4
const SEV_POWER = 1.3
/** Deterioration starts 15-24 months before default (earlier than the labelled 12 months). */
const ONSET_MIN = 15
const ONSET_MAX = 24

function checkOptions(o: Required<BusinessRiskOptions>): void {
  if (!Number.isInteger(o.businesses) || o.businesses < 1) throw new Error(`businesses must be an integer >= 1, got ${o.businesses}`)
  if (!Number.isInteger(o.months) || o.months < 2) throw new Error(`months must be an integer >= 2, got ${o.months}`)
  if (!(o.scale > 0) || !Number.isFinite(o.scale)) throw new Error(`scale must be > 0, got ${o.scale}`)
  if (!(o.distressRate >= 0 && o.distressRate <= 0.6)) throw new Error(`distressRate must be in [0, 0.6], got ${o.distressRate}`)
  if (!Number.isFinite(Date.parse(o.start))) throw new Error(`start is not an ISO date: '${o.start}'`)
}

function clamp(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x
}

/** Poisson draw (Knuth); the rates here stay below ~10. */
function poisson(lambda: number, rng: Rng): number {
  const limit = Math.exp(-lambda)
  let k = 0
  let p = rng.uniform()
  while (p > limit) {
    k++
    p *= rng.uniform()
  }
  return k
}

/** The shared economic cycle over the whole calendar (months). */
function economicCycle(calendarMonths: number, rng: Rng): Float64Array {
  const c = new Float64Array(calendarMonths)
  const phase = rng.uniform() * 60
  const recessionAt = Math.floor(calendarMonths * (0.3 + 0.4 * rng.uniform()))
  const recessionLen = rng.int(6, 12)
  let ar = 0
  for (let m = 0; m < calendarMonths; m++) {
    ar = 0.85 * ar + 0.2 * rng.normal()
    let dip = 0
    const k = m - recessionAt
    if (k >= 0 && k < recessionLen + 12) {
      // Fast fall, slower recovery.
      dip = k < recessionLen ? -1.5 * Math.sin((Math.PI / 2) * ((k + 1) / recessionLen)) : -1.5 * (1 - (k - recessionLen + 1) / 12)
    }
    c[m] = 0.6 * Math.sin((2 * Math.PI * (m + phase)) / 60) + ar + dip
  }
  return c
}

export function generateBusinessRisk(opts: BusinessRiskOptions = {}): LabelledSeries {
  const o: Required<BusinessRiskOptions> = {
    businesses: opts.businesses ?? BUSINESS_RISK_DEFAULTS.businesses,
    months: opts.months ?? BUSINESS_RISK_DEFAULTS.months,
    seed: opts.seed ?? BUSINESS_RISK_DEFAULTS.seed,
    distressRate: opts.distressRate ?? BUSINESS_RISK_DEFAULTS.distressRate,
    start: opts.start ?? BUSINESS_RISK_DEFAULTS.start,
    scale: opts.scale ?? BUSINESS_RISK_DEFAULTS.scale
  }
  checkOptions(o)
  const rng = createRng(o.seed)
  const nb = Math.max(1, Math.round(o.businesses * o.scale))
  const T = o.months
  const n = nb * T
  const calendarMonths = T + MAX_OFFSET
  const nInd = INDUSTRIES.length

  // --- shared calendar ------------------------------------------------------------------------
  const startDate = new Date(o.start)
  const y0 = startDate.getUTCFullYear()
  const m0 = startDate.getUTCMonth()
  const calTime = new Float64Array(calendarMonths)
  const calSin = new Float32Array(calendarMonths)
  const calCos = new Float32Array(calendarMonths)
  const moy = new Int32Array(calendarMonths)
  for (let m = 0; m < calendarMonths; m++) {
    calTime[m] = Date.UTC(y0, m0 + m, 1)
    moy[m] = (m0 + m) % 12
    calSin[m] = Math.sin((2 * Math.PI * moy[m]) / 12)
    calCos[m] = Math.cos((2 * Math.PI * moy[m]) / 12)
  }
  const cycle = economicCycle(calendarMonths, rng)
  const market = new Float32Array(calendarMonths)
  for (let m = 0; m < calendarMonths; m++) market[m] = 100 * Math.exp(0.06 * cycle[m] + 0.003 * m)
  // Per industry: cycle (beta x shared + own AR noise), seasonal log-revenue term, index.
  const indCycle = new Float64Array(nInd * calendarMonths)
  const indSeason = new Float64Array(nInd * 12)
  const indIndex = new Float32Array(nInd * calendarMonths)
  for (let k = 0; k < nInd; k++) {
    const ind = INDUSTRIES[k]
    for (let mm = 0; mm < 12; mm++) indSeason[k * 12 + mm] = ind.seasonAmp * Math.cos((2 * Math.PI * (mm - ind.seasonPeak)) / 12)
    let ar = 0
    for (let m = 0; m < calendarMonths; m++) {
      ar = 0.8 * ar + 0.25 * rng.normal()
      const c = ind.beta * cycle[m] + ar
      indCycle[k * calendarMonths + m] = c
      indIndex[k * calendarMonths + m] = 100 * Math.exp(0.06 * c + 0.5 * indSeason[k * 12 + moy[m]] + 0.003 * m)
    }
  }
  let meanPropensity = 0
  for (const ind of INDUSTRIES) meanPropensity += ind.propensity / nInd

  // --- outputs --------------------------------------------------------------------------------
  const timestamps = new Float64Array(n)
  const cols = BUSINESS_RISK_FEATURES.map(() => new Float32Array(n))
  const [revenueC, growthC, gmC, opmC, cashC, currentC, deC, icovC, dsoC, dpoC, invC, empC, lateC, utilC, concC, marketC, industryC, sentC, sinC, cosC] = cols
  const labels = new Uint8Array(n)
  const anomalyType = new Uint8Array(n)
  const risk6 = new Uint8Array(n)
  const risk9 = new Uint8Array(n)
  const risk12 = new Uint8Array(n)
  const segments: Segment[] = new Array(nb)
  const idWidth = Math.max(5, String(nb).length)

  for (let b = 0; b < nb; b++) {
    const k = b % nInd
    const ind = INDUSTRIES[k]
    const row0 = b * T
    segments[b] = { id: `B${String(b + 1).padStart(idWidth, '0')}`, start: row0, end: row0 + T }
    const offset = rng.int(0, MAX_OFFSET - 1)

    // Risk path: distressed (default D months after row 0, D in [T, T + 11]), a temporary
    // shock (false alarm), or steady.
    const distressed = rng.uniform() < Math.min(0.95, (o.distressRate * ind.propensity) / meanPropensity)
    const type = rng.int(0, 2) // distress type index (also used for false alarms)
    let defaultAt = -1
    let shockStart = -1
    let shockLen = 0
    let shockPeak = 0
    let onset = 0
    if (distressed) {
      defaultAt = T + rng.int(0, DISTRESS_MONTHS - 1)
      onset = defaultAt - rng.int(ONSET_MIN, ONSET_MAX)
    }
    else if (rng.uniform() < FALSE_ALARM_RATE) {
      shockStart = rng.int(0, T - 1)
      shockLen = rng.int(3, 9)
      shockPeak = 0.3 + 0.4 * rng.uniform()
    }

    // Business baselines: heterogeneity across businesses comparable to the distress effects.
    const logSize = Math.log(ind.revenue) + 0.8 * rng.normal()
    const growthPerMonth = (0.05 + 0.08 * rng.normal()) / 12
    const revBeta = 0.08 * (0.5 + rng.uniform())
    const gm0 = clamp(ind.grossMargin + 0.05 * rng.normal(), 0.05, 0.9)
    const opm0 = clamp(0.08 + 0.04 * rng.normal(), -0.1, 0.35)
    const logCash0 = Math.log(0.5) + 0.5 * rng.normal()
    const current0 = 1.1 + 0.25 * rng.normal()
    const logDe0 = 0.5 * rng.normal()
    const logCov0 = Math.log(6) + 0.5 * rng.normal()
    const dso0 = Math.max(3, ind.dso * (1 + 0.2 * rng.normal()))
    const dpo0 = Math.max(10, 40 + 10 * rng.normal())
    const logInv0 = Math.log(ind.inventoryTurnover) + 0.3 * rng.normal()
    const revPerEmployee = 12 + 3 * rng.uniform() // k$ per employee per month
    const late0 = 0.3 * Math.exp(0.6 * rng.normal())
    const util0 = clamp(0.35 + 0.12 * rng.normal(), 0.05, 0.85)
    const u = rng.uniform()
    const conc0 = 0.08 + 0.35 * u * u
    const sent0 = clamp(0.2 + 0.2 * rng.normal(), -0.6, 0.9)

    // AR(1) idiosyncratic states (month-to-month persistence).
    let arRev = 0.05 * rng.normal()
    let arMargin = 0
    let arCash = 0
    let arDe = 0
    let arDays = 0
    let arUtil = 0
    let arSent = 0
    let prevRevenue = 0
    for (let t = -1; t < T; t++) {
      const m = offset + Math.max(t, 0)
      const cal = t < 0 ? Math.max(offset - 1, 0) : m
      // Severity: accelerating over the 12 months before default; a hump for false alarms.
      let sev = 0
      if (defaultAt >= 0 && t >= onset) sev = EFFECT_SCALE * ((t - onset + 1) / (defaultAt - onset)) ** SEV_POWER
      else if (shockStart >= 0 && t >= shockStart && t < shockStart + shockLen) {
        sev = EFFECT_SCALE * shockPeak * Math.sin((Math.PI * (t - shockStart + 1)) / (shockLen + 1))
      }
      const ic = indCycle[k * calendarMonths + cal]
      arRev = 0.7 * arRev + 0.04 * rng.normal()
      const logRev =
        logSize + indSeason[k * 12 + moy[cal]] + revBeta * ic + growthPerMonth * (t + 1) + arRev + 0.05 * rng.normal() + EFFECTS.logRevenue[type] * sev
      const revenue = Math.exp(logRev)
      if (t < 0) {
        prevRevenue = revenue
        continue
      }
      const i = row0 + t
      timestamps[i] = calTime[m]

      arMargin = 0.7 * arMargin + 0.012 * rng.normal()
      arCash = 0.8 * arCash + 0.12 * rng.normal()
      arDe = 0.85 * arDe + 0.06 * rng.normal()
      arDays = 0.7 * arDays + 3 * rng.normal()
      arUtil = 0.8 * arUtil + 0.04 * rng.normal()
      arSent = 0.6 * arSent + 0.12 * rng.normal()

      const opm = opm0 + 0.015 * ic + arMargin + 0.01 * rng.normal() + EFFECTS.operatingMargin[type] * sev
      revenueC[i] = revenue
      growthC[i] = revenue / prevRevenue - 1
      prevRevenue = revenue
      gmC[i] = clamp(gm0 + 0.5 * arMargin + 0.01 * rng.normal() + EFFECTS.grossMargin[type] * sev, -0.2, 0.95)
      opmC[i] = clamp(opm, -0.6, 0.5)
      cashC[i] = Math.exp(logCash0 + 0.05 * ic + arCash + 0.05 * rng.normal() + EFFECTS.logCash[type] * sev)
      currentC[i] = Math.max(0.2, current0 + 0.6 * cashC[i] + 0.5 * arCash + 0.05 * rng.normal() + EFFECTS.currentRatio[type] * sev)
      deC[i] = Math.exp(logDe0 + arDe + 0.04 * rng.normal() + EFFECTS.logDebtEquity[type] * sev)
      icovC[i] = Math.exp(logCov0 + 3 * (opm - opm0) - 0.5 * arDe + 0.08 * rng.normal() + EFFECTS.logCoverage[type] * sev)
      dsoC[i] = Math.max(1, dso0 + arDays + 2 * rng.normal() + EFFECTS.dso[type] * sev)
      dpoC[i] = Math.max(5, dpo0 + 0.8 * arDays + 3 * rng.normal() + EFFECTS.dpo[type] * sev)
      invC[i] = Math.exp(logInv0 + 0.5 * indSeason[k * 12 + moy[m]] + 0.06 * rng.normal() + EFFECTS.logInventory[type] * sev)
      // Headcount follows revenue loosely and is cut late in a distress (sev^2).
      empC[i] = Math.max(1, Math.round(Math.exp(logSize - Math.log(revPerEmployee) + 0.3 * growthPerMonth * t + EFFECTS.logEmployees[type] * sev * sev + 0.01 * rng.normal())))
      lateC[i] = poisson(late0 * Math.exp(-0.2 * ic) + EFFECTS.latePayments[type] * sev, rng)
      utilC[i] = clamp(util0 - 0.03 * ic + arUtil + 0.02 * rng.normal() + EFFECTS.utilization[type] * sev, 0, 1)
      concC[i] = clamp(conc0 + 0.01 * rng.normal() + EFFECTS.concentration[type] * sev, 0.01, 0.95)
      marketC[i] = market[m]
      industryC[i] = indIndex[k * calendarMonths + m]
      sentC[i] = clamp(sent0 + 0.05 * ic + arSent + EFFECTS.sentiment[type] * sev, -1, 1)
      sinC[i] = calSin[m]
      cosC[i] = calCos[m]

      if (defaultAt >= 0) {
        const ahead = defaultAt - t // > 0: rows never reach the default month
        if (ahead <= DISTRESS_MONTHS) {
          labels[i] = 1
          anomalyType[i] = type + 1
        }
        risk6[i] = ahead <= 6 ? 1 : 0
        risk9[i] = ahead <= 9 ? 1 : 0
        risk12[i] = ahead <= 12 ? 1 : 0
      }
    }
  }

  return {
    name: `business-risk (businesses=${o.businesses}, months=${T}, scale=${o.scale}, seed=${o.seed})`,
    // Nominal month (365.25 / 12 days); actual steps are calendar months.
    intervalMs: 2_629_800_000,
    timestamps,
    columns: [...BUSINESS_RISK_FEATURES],
    values: cols,
    labels,
    anomalyTypeNames: [...BUSINESS_RISK_TYPES],
    anomalyType,
    segments,
    targets: { risk_6m: risk6, risk_9m: risk9, risk_12m: risk12 }
  }
}
