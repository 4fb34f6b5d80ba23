//! The More-Thuente line search (MINPACK `cvsrch` and `cstep`) of the in-place L-BFGS.

use crate::error::{Error, Result};

/// One step of [`more_thuente`]'s bracket: a step length with its value and slope.
#[derive(Debug, Clone, Copy)]
struct Step {
    x: f64,
    fx: f64,
    gx: f64,
}

/// More-Thuente line search (MINPACK `cvsrch` and `cstep`) along a direction
/// with slope `dg0 < 0` at step 0 where the cost is `f0`. `phi(a)` returns the cost, the slope
/// and the gradient at step `a`. Returns the accepted step, its cost and its gradient.
///
/// argmin 0.11's port departs from MINPACK in three small ways, all followed here as in MINPACK:
/// the cubic's scale is the largest *absolute* value of theta and the slopes, the first stage
/// compares the trial's value with the best step's (not the previous trial's), and it restores the
/// bracket's values from the step `cstep` returns.
pub(super) fn more_thuente<G>(
    phi: &mut impl FnMut(f64) -> Result<(f64, f64, G)>,
    f0: f64,
    dg0: f64,
    what: &str,
) -> Result<(f64, f64, G)> {
    const FTOL: f64 = 1e-4;
    const GTOL: f64 = 0.9;
    const XTRAPF: f64 = 4.0;
    const XTOL: f64 = 1e-10;
    let stpmin = f64::EPSILON.sqrt();
    let stpmax = f64::INFINITY;
    let dgtest = FTOL * dg0;
    let mut width = stpmax - stpmin;
    let mut width1 = 2.0 * width;
    let mut stage1 = true;
    let mut brackt = false;
    let mut infoc = 1;
    let mut stp = Step {
        x: 1.0,
        fx: f64::NAN,
        gx: f64::NAN,
    };
    let mut stx = Step {
        x: 0.0,
        fx: f0,
        gx: dg0,
    };
    let mut sty = stx;
    loop {
        let (stmin, stmax) = if brackt {
            (stx.x.min(sty.x), stx.x.max(sty.x))
        } else {
            (stx.x, stp.x + XTRAPF * (stp.x - stx.x))
        };
        stp.x = stp.x.max(stpmin).min(stpmax);
        if (brackt && (stp.x <= stmin || stp.x >= stmax || (stmax - stmin) <= XTOL * stmax))
            || infoc == 0
        {
            stp.x = stx.x;
        }
        let (f, dg, grad) = phi(stp.x)?;
        let ftest1 = f0 + stp.x * dgtest;
        let done = ((brackt && (stp.x <= stmin || stp.x >= stmax)) || infoc == 0)
            || ((stp.x - stpmax).abs() < f64::EPSILON && f <= ftest1 && dg <= dgtest)
            || ((stp.x - stpmin).abs() < f64::EPSILON && (f > ftest1 || dg >= dgtest))
            || (brackt && stmax - stmin <= XTOL * stmax)
            || (f <= ftest1 && dg.abs() <= GTOL * (-dg0));
        if done {
            return Ok((stp.x, f, grad));
        }
        if stage1 && f <= ftest1 && dg >= FTOL.min(GTOL) * dg0 {
            stage1 = false;
        }
        if stage1 && f <= stx.fx && f > ftest1 {
            // modified function psi(a) = phi(a) - a * dgtest while in the first stage
            let shift = |s: Step| Step {
                x: s.x,
                fx: s.fx - s.x * dgtest,
                gx: s.gx - dgtest,
            };
            let (x1, y1, p1, b1, info) = cstep(
                shift(stx),
                shift(sty),
                Step {
                    x: stp.x,
                    fx: f - stp.x * dgtest,
                    gx: dg - dgtest,
                },
                brackt,
                stmin,
                stmax,
                what,
            )?;
            let unshift = |s: Step| Step {
                x: s.x,
                fx: s.fx + s.x * dgtest,
                gx: s.gx + dgtest,
            };
            stx = unshift(x1);
            sty = unshift(y1);
            stp = unshift(p1);
            brackt = b1;
            infoc = info;
        } else {
            let (x1, y1, p1, b1, info) = cstep(
                stx,
                sty,
                Step {
                    x: stp.x,
                    fx: f,
                    gx: dg,
                },
                brackt,
                stmin,
                stmax,
                what,
            )?;
            stx = x1;
            sty = y1;
            stp = p1;
            brackt = b1;
            infoc = info;
        }
        if brackt {
            if (sty.x - stx.x).abs() >= 0.66 * width1 {
                stp.x = stx.x + 0.5 * (sty.x - stx.x);
            }
            width1 = width;
            width = (sty.x - stx.x).abs();
        }
    }
}

/// The safeguarded cubic/quadratic step of More and Thuente (MINPACK `cstep`). Returns the new
/// bracket ends, the new trial step, whether the minimum is bracketed, and which case applied
/// (0 when the inputs were inconsistent and nothing changed).
#[allow(clippy::too_many_arguments)]
fn cstep(
    stx: Step,
    sty: Step,
    stp: Step,
    brackt: bool,
    stpmin: f64,
    stpmax: f64,
    what: &str,
) -> Result<(Step, Step, Step, bool, usize)> {
    if (brackt && (stp.x <= stx.x.min(sty.x) || stp.x >= stx.x.max(sty.x)))
        || stx.gx * (stp.x - stx.x) >= 0.0
        || stpmax < stpmin
    {
        return Ok((stx, sty, stp, brackt, 0));
    }
    let mut brackt = brackt;
    let sgnd = stp.gx * (stx.gx / stx.gx.abs());
    // largest of |theta| and the two slopes scales the cubic's discriminant
    let scale = |theta: f64, a: f64, b: f64| -> Result<f64> {
        if [theta, a, b].iter().any(|v| !v.is_finite()) {
            return Err(Error::numerical(
                what,
                "More-Thuente line search met a non-finite value",
            ));
        }
        Ok(theta.abs().max(a.abs()).max(b.abs()))
    };
    // the cubic through steps u and v with slopes g1, g2 (in that order of summation): theta and
    // the unsigned gamma; `clamp` floors the discriminant at 0 (case 3)
    let cubic = |u: Step, v: Step, g1: f64, g2: f64, clamp: bool| -> Result<(f64, f64)> {
        let theta = 3.0 * (u.fx - v.fx) / (v.x - u.x) + g1 + g2;
        let s = scale(theta, g1, g2)?;
        let disc = (theta / s).powi(2) - (g1 / s) * (g2 / s);
        let disc = if clamp { 0.0_f64.max(disc) } else { disc };
        Ok((theta, s * disc.sqrt()))
    };
    let (info, bound, mut stpf);
    if stp.fx > stx.fx {
        // 1: higher value, minimum bracketed; cubic step if closer to stx, else the mean
        info = 1;
        bound = true;
        let (theta, mut gamma) = cubic(stx, stp, stx.gx, stp.gx, false)?;
        if stp.x < stx.x {
            gamma = -gamma;
        }
        let p = (gamma - stx.gx) + theta;
        let q = ((gamma - stx.gx) + gamma) + stp.gx;
        let stpc = stx.x + p / q * (stp.x - stx.x);
        let stpq = stx.x
            + ((stx.gx / ((stx.fx - stp.fx) / (stp.x - stx.x) + stx.gx)) / 2.0) * (stp.x - stx.x);
        stpf = if (stpc - stx.x).abs() < (stpq - stx.x).abs() {
            stpc
        } else {
            stpc + (stpq - stpc) / 2.0
        };
        brackt = true;
    } else if sgnd < 0.0 {
        // 2: lower value, slopes of opposite sign: bracketed; the step farther from stp
        info = 2;
        bound = false;
        let (theta, mut gamma) = cubic(stx, stp, stx.gx, stp.gx, false)?;
        if stp.x > stx.x {
            gamma = -gamma;
        }
        let p = (gamma - stp.gx) + theta;
        let q = ((gamma - stp.gx) + gamma) + stx.gx;
        let stpc = stp.x + p / q * (stx.x - stp.x);
        let stpq = stp.x + (stp.gx / (stp.gx - stx.gx)) * (stx.x - stp.x);
        stpf = if (stpc - stp.x).abs() > (stpq - stp.x).abs() {
            stpc
        } else {
            stpq
        };
        brackt = true;
    } else if stp.gx.abs() < stx.gx.abs() {
        // 3: lower value, same sign, slope shrinking
        info = 3;
        bound = true;
        let (theta, mut gamma) = cubic(stx, stp, stx.gx, stp.gx, true)?;
        if stp.x > stx.x {
            gamma = -gamma;
        }
        let p = (gamma - stp.gx) + theta;
        let q = (gamma + (stx.gx - stp.gx)) + gamma;
        let r = p / q;
        let stpc = if r < 0.0 && gamma != 0.0 {
            stp.x + r * (stx.x - stp.x)
        } else if stp.x > stx.x {
            stpmax
        } else {
            stpmin
        };
        let stpq = stp.x + (stp.gx / (stp.gx - stx.gx)) * (stx.x - stp.x);
        let (dc, dq) = ((stp.x - stpc).abs(), (stp.x - stpq).abs());
        // bracketed: the step nearer stp; not bracketed: the farther one
        stpf = if (brackt && dc < dq) || (!brackt && dc > dq) {
            stpc
        } else {
            stpq
        };
    } else {
        // 4: lower value, same sign, slope not shrinking
        info = 4;
        bound = false;
        stpf = if brackt {
            let (theta, mut gamma) = cubic(stp, sty, sty.gx, stp.gx, false)?;
            if stp.x > sty.x {
                gamma = -gamma;
            }
            let p = (gamma - stp.gx) + theta;
            let q = ((gamma - stp.gx) + gamma) + sty.gx;
            stp.x + p / q * (sty.x - stp.x)
        } else if stp.x > stx.x {
            stpmax
        } else {
            stpmin
        };
    }
    // update the interval of uncertainty
    let (mut nx, mut ny) = (stx, sty);
    if stp.fx > stx.fx {
        ny = stp;
    } else {
        if sgnd < 0.0 {
            ny = stx;
        }
        nx = stp;
    }
    stpf = stpmin.max(stpmax.min(stpf));
    let mut np = stp;
    np.x = stpf;
    if brackt && bound {
        let lim = nx.x + 0.66 * (ny.x - nx.x);
        np.x = if ny.x > nx.x {
            np.x.min(lim)
        } else {
            np.x.max(lim)
        };
    }
    Ok((nx, ny, np, brackt, info))
}
