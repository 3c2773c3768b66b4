# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 22 · Neural fields: an image as a function of its coordinates
#
# **What you will learn**
# - a *coordinate network* stores an image as the weights of a function $f_\theta:[-1,1]^2\to\mathbb R$,
#   pixel position in, intensity out — a low-dimensional *input* with a small network instead of a
#   large table of pixels;
# - why a plain ReLU MLP on raw coordinates learns an image blurry first and sharp late (*spectral
#   bias*), derived for the linearised network and measured as the error in each frequency band over training;
# - three remedies: random Fourier features (Tancik et al. 2020) with the scale $\sigma$ that decides between
#   blur and noise (measured on held-out pixels), sine networks (SIREN, Sitzmann et al. 2020) and the
#   initialisation that keeps their activations stable — derived as a variance recursion and measured —
#   and the multiresolution hash-grid encoding of Instant-NGP (Müller et al. 2022), written in torch;
# - 2-D Gaussian splatting (GaussianImage, Zhang et al. 2024): the image as a sum of $N$ anisotropic Gaussians;
# - what all of them buy at a given number of bytes: PSNR against parameter count and training time,
#   with JPEG at the same number of bytes as the reference point.
#
# **Prerequisites**: [lesson 08](08_autoencoders.ipynb) (training small networks with `training.fit`);
# the 2-D discrete Fourier transform (`numpy.fft` / `torch.fft`).
#
# **Papers**
# - M. Tancik, P. P. Srinivasan, B. Mildenhall, S. Fridovich-Keil, N. Raghavan, U. Singhal, R. Ramamoorthi,
#   J. T. Barron, R. Ng, *Fourier Features Let Networks Learn High Frequency Functions in Low Dimensional
#   Domains*, NeurIPS 2020.
# - V. Sitzmann, J. N. P. Martel, A. W. Bergman, D. B. Lindell, G. Wetzstein, *Implicit Neural Representations
#   with Periodic Activation Functions* (SIREN), NeurIPS 2020.
# - T. Müller, A. Evans, C. Schied, A. Keller, *Instant Neural Graphics Primitives with a Multiresolution Hash
#   Encoding*, ACM TOG (SIGGRAPH) 2022.
# - X. Zhang, X. Ge, T. Xu, D. He, Y. Wang, H. Qin, G. Lu, J. Geng, J. Zhang, *GaussianImage: 1000 FPS Image
#   Representation and Compression by 2D Gaussian Splatting*, ECCV 2024.
# - M. Tancik, B. Mildenhall, T. Wang, D. Schmidt, P. P. Srinivasan, J. T. Barron, R. Ng, *Learned
#   Initializations for Optimizing Coordinate-Based Neural Representations*, CVPR 2021.
# - J. C. Lee, D. Rho, S. Nam, J. H. Ko, E. Park, *Coordinate-Aware Modulation for Neural Fields*, ICLR 2024.
# - M. Heidari, R. Rezaeian, R. Azad, D. Merhof, H. Soltanian-Zadeh, I. Hacihaliloglu, *SL²A-INR: Single-Layer
#   Learnable Activation for Implicit Neural Representation*, ICCV 2025.
# - N. Rahaman et al., *On the Spectral Bias of Neural Networks*, ICML 2019 — the phenomenon.

# %%
import lowdim_utils as lu  # first: it sets OMP_WAIT_POLICY before torch loads (steadier threads)
import matplotlib.pyplot as plt
import numpy as np
import torch

from lowdim_utils import fields, splatting, training

device, SCALE, gen = lu.setup(seed=0)  # SCALE: "small" on a CPU by default; LOWDIM_SCALE=full for GPU-sized runs

from skimage import data as skdata                       # scikit-image comes with the course: the image and the
from skimage.measure import block_reduce                 # oracle of the PSNR
from skimage.metrics import peak_signal_noise_ratio

# %% [markdown]
# ## 1. Motivation: fitting the cameraman with a network
#
# The image is scikit-image's `camera()` (512 × 512, bundled with the package), averaged down to
# $64\times64$ pixels on a CPU ($256\times256$ with `LOWDIM_SCALE=full`), intensities in $[0,1]$. Each pixel
# centre becomes a coordinate $x\in[-1,1]^2$ and the network is trained to output the pixel's
# intensity — full-batch Adam on the squared error, the same few hundred steps for every method.
# Below, a ReLU MLP on the raw coordinates (three hidden layers of 24) against a smaller ReLU MLP fed random
# Fourier features of them (two hidden layers of 16) — both about 1 300 parameters; the features are defined in
# section 2.

# %%
FULL = SCALE == "full"
H = 64 if not FULL else 256
STEPS = 300 if not FULL else 2000
SEEDS = [0, 1, 2] if not FULL else [0, 1, 2, 3, 4]
camera = block_reduce(skdata.camera().astype(np.float64) / 255.0, (512 // H, 512 // H), np.mean)
target = torch.tensor(camera, dtype=torch.float32, device=device)
X = fields.pixel_grid(H, H, device=device)                 # (H·H, 2), row-major like the image
Y = target.reshape(-1, 1)

W = [16, 24, 40] if not FULL else [32, 64, 128]           # the three sizes of each method
SIGMA = 3.0                                               # Fourier-feature scale (section 5 sweeps it)
LR = {"ReLU MLP": 1e-2, "Fourier features": 1e-2, "SIREN": 3e-3, "hash grid": 1e-2, "Gaussians": 1e-2}


def make(method, size, seed, sigma=SIGMA):
    """One field of the comparison; size 0, 1, 2 is a parameter budget of roughly 600, 1 300, 3 500 (CPU)."""
    if method == "ReLU MLP":
        return fields.CoordinateMLP(width=W[size], depth=3, generator=seed)
    if method == "Fourier features":
        m, w = ([32, 32, 64], [8, 16, 24]) if not FULL else ([64, 128, 256], [32, 64, 128])
        enc = fields.FourierFeatures(2, m[size], sigma, generator=1000 + seed)
        return fields.CoordinateMLP(width=w[size], depth=2, encoding=enc, generator=seed)
    if method == "SIREN":
        return fields.Siren(width=W[size], depth=3, generator=seed)
    if method == "hash grid":
        log2t = [6, 8, 10] if not FULL else [10, 12, 14]
        enc = fields.HashGrid(levels=4 if not FULL else 8, features=2, log2_table_size=log2t[size], min_resolution=4,
                              max_resolution=H // 2, generator=seed)
        return fields.CoordinateMLP(width=16, depth=1, encoding=enc, generator=seed)
    if method == "Gaussians":
        n = [50, 100, 200] if not FULL else [800, 1600, 3200]
        return splatting.GaussianImage(n[size], generator=seed)
    raise ValueError(method)


RUNS = {}                                                 # (method, size, seed) -> (model, history)


def train(method, size, seed, bands=False):
    key = (method, size, seed)
    if key not in RUNS:
        model = make(method, size, seed).to(device)
        track = []
        cb = (lambda step, m: track.append(fields.band_errors(m(X).reshape(H, H), target).cpu())) if bands else None
        hist = fields.fit_field(model, X, Y, steps=STEPS, lr=LR[method], log_every=10, callback=cb, generator=seed)
        hist["bands"] = torch.stack(track).numpy() if bands else None
        RUNS[key] = (model, hist)
    return RUNS[key]


def image_of(model):
    with torch.no_grad():
        return lu.to_numpy(model(X).reshape(H, H).clamp(0, 1))


fields.fit_field(make("SIREN", 0, 99).to(device), X, Y, steps=20, lr=1e-3)   # warm-up: the first fit pays torch's start-up
relu, h_relu = train("ReLU MLP", 1, 0, bands=True)
ff, h_ff = train("Fourier features", 1, 0, bands=True)
fig, axes = plt.subplots(1, 3, figsize=(9, 3.2))
for ax, im, title in zip(axes, [camera, image_of(relu), image_of(ff)],
                         ["target", f"ReLU MLP on (x, y): {h_relu['psnr'][-1]:.1f} dB",
                          f"MLP on Fourier features: {h_ff['psnr'][-1]:.1f} dB"]):
    ax.imshow(im, cmap="gray", vmin=0, vmax=1); ax.set_title(title, fontsize=9); ax.axis("off")
plt.tight_layout(); plt.show()

# %% [markdown]
# With the same budget of parameters and steps, the raw-coordinate MLP gives a blurred cameraman and the
# Fourier-feature MLP a recognisable one (the titles give both PSNRs for seed 0; sections 4 and 7 repeat
# the fits over three seeds). The difference is not capacity but *which* functions gradient descent finds
# first. Quantifying that — and what it costs in bytes — is this lesson.
#
# ## 2. Derivation
#
# **Error in decibels.** For an image $y$ and a reconstruction $\hat y$ with values in $[0, R]$ ($R=1$ here),
#
# \begin{equation*}
# \mathrm{PSNR}(\hat y, y)=10\log_{10}\frac{R^2}{\frac1P\sum_{p}(\hat y_p-y_p)^2}\ \text{dB} \tag{1}
# \end{equation*}
#
# over the $P$ pixels: +6 dB halves the root-mean-square error.
#
# **Spectral bias.** Linearise the network around its initial weights, $f_\theta(x)\approx f_{\theta_0}(x)+
# \nabla_\theta f_{\theta_0}(x)^\top(\theta-\theta_0)$, and let $J\in\mathbb R^{P\times|\theta|}$ stack the gradients at the
# training pixels. Gradient flow on $\tfrac12\|f-y\|^2$ with step $\eta$ then moves the residual $r=f-y$ by
# $\dot r=-\eta K r$ with the *neural tangent kernel* $K=JJ^\top$, so in the eigenbasis $K=\sum_i\lambda_i u_iu_i^\top$
#
# \begin{equation*}
# u_i^\top r(t)=e^{-\eta\lambda_i t}\,u_i^\top r(0). \tag{2}
# \end{equation*}
#
# Each eigen-direction of the residual decays at its own rate $\eta\lambda_i$. For a ReLU MLP on coordinates
# the kernel is smooth and close to stationary, $K(x,x')\approx k(x-x')$, so its eigenvectors are close to
# Fourier modes and $\lambda_i$ is the Fourier transform of $k$ at that frequency — which falls off quickly
# (Rahaman et al. 2019; Tancik et al. 2020, section 3): low frequencies are fitted early, high ones after
# many more steps. Adam is not gradient flow and the network leaves its linearisation, so (2) predicts the
# *ordering*, not the rates; section 4 measures the ordering.
#
# **Fourier features.** Tancik et al. feed the MLP $\gamma(x)$ instead of $x$, with $B\in\mathbb R^{m\times2}$ drawn once,
# $B_{jk}\sim\mathcal N(0,\sigma^2)$, and kept fixed:
#
# \begin{equation*}
# \gamma(x)=\big[\cos(2\pi Bx),\ \sin(2\pi Bx)\big]\in\mathbb R^{2m}. \tag{3}
# \end{equation*}
#
# Then $\gamma(x)^\top\gamma(x')=\sum_j\cos\!\big(2\pi b_j^\top(x-x')\big)$ is stationary, a Monte-Carlo estimate of a Gaussian kernel
# of width $\propto1/\sigma$: $\sigma$ sets the bandwidth of the composed kernel. Too small and the kernel only has low
# frequencies (blur); too large and it interpolates between training pixels with high-frequency noise.
#
# **SIREN.** Sitzmann et al. replace ReLU by a sine, layer by layer,
#
# \begin{equation*}
# h^{(l+1)}=\sin\!\big(\omega_0\,(W^{(l)}h^{(l)}+b^{(l)})\big),\qquad \omega_0=30, \tag{4}
# \end{equation*}
#
# and draw the weights uniformly, $W^{(l)}_{jk}\sim\mathcal U(-c_l,c_l)$, with (fan-in $n$)
#
# \begin{equation*}
# c_0=\frac1n\ \ (\text{first layer}),\qquad c_l=\frac{\sqrt{6/n}}{\omega_0}\ \ (l\ge1). \tag{5}
# \end{equation*}
#
# :::{prf:proposition} The variance of a SIREN's activations settles
# :label: prop-22-siren
# Let the entries of $h^{(l)}$ be independent with mean 0 and variance $a_l$, $n$ of them, and the weights
# independent $\mathcal U(-c,c)$ (biases neglected). For large $n$ the pre-activation $z=\omega_0 w^\top h^{(l)}$ of a unit is
# approximately $\mathcal N(0,v_l)$ with $v_l=\omega_0^2\,n\,\tfrac{c^2}{3}\,a_l$, and
#
# $$a_{l+1}=\mathbb E\,\sin^2 z=\tfrac12\big(1-e^{-2v_l}\big).$$
#
# With $c=\sqrt{6/n}/\omega_0$ this is $v_{l+1}=1-e^{-2v_l}$, which has the attracting fixed point
# $v^\star\approx0.797$ (activation standard deviation $\sqrt{v^\star/2}\approx0.631$): the activations neither vanish
# nor blow up with depth. With PyTorch's default $c=1/\sqrt n$ and $\omega_0=1$, $v_{l+1}=\tfrac16(1-e^{-2v_l})\le v_l/3$: the
# variance collapses geometrically.
#
# With biases drawn from $\mathcal U(-c,c)$ too (both initialisations do), $v_l=\omega_0^2\tfrac{c^2}{3}(n\,a_l+1)$: a small change
# for SIREN, but it puts a floor under the default initialisation's collapse, $a\approx\tfrac{1}{2n}$ — a floor made of
# the biases, which do not depend on the input.
# :::
#
# :::{prf:proof}
# $\mathbb E z=0$ and $\operatorname{Var}z=\omega_0^2\sum_k\operatorname{Var}(w_k)\operatorname{Var}(h_k)=\omega_0^2\,n\,\frac{c^2}{3}\,a_l$ by independence
# ($\operatorname{Var}\,\mathcal U(-c,c)=c^2/3$); the central limit theorem gives the normal limit. For $z\sim\mathcal N(0,v)$,
# $\sin^2z=\tfrac12(1-\cos2z)$ and $\mathbb E\cos 2z=\operatorname{Re}\,\mathbb E\,e^{2iz}=e^{-2v}$ (the characteristic function),
# so $a_{l+1}=\tfrac12(1-e^{-2v_l})$ and $\mathbb E\sin z=0$ by symmetry. With $c^2=6/(n\omega_0^2)$, $v_{l+1}=2a_{l+1}=1-e^{-2v_l}$.
# The map $g(v)=1-e^{-2v}$ is increasing and concave with $g'(0)=2>1$, so it has exactly one positive fixed
# point, and $g'(v^\star)=2e^{-2v^\star}=2(1-v^\star)\approx0.41<1$ makes it attracting. With $c^2=1/n$ and $\omega_0=1$,
# $v_l=a_l/3$, so $v_{l+1}=\tfrac13a_{l+1}=\tfrac16(1-e^{-2v_l})\le\tfrac13v_l$ because $1-e^{-u}\le u$.
# :::
#
# The first layer is different on purpose: its inputs are the coordinates, and $c_0=1/n$ times $\omega_0=30$
# makes $\sin(\omega_0 W^{(0)}x)$ span several periods across the image, so its outputs are nearly
# arcsine-distributed on $[-1,1]$ (variance $\tfrac12$) — which is where the recursion starts.
#
# **Multiresolution hash grid.** Instant-NGP keeps $L$ grids of resolutions $N_l=\lfloor N_{\min}b^l\rfloor$ and, for each, a
# table of $T$ trainable feature vectors in $\mathbb R^F$. A grid vertex $(i,j)$ of level $l$ reads row $i+(N_l+1)j$ when
# the whole grid fits ($(N_l+1)^2\le T$), otherwise the row given by the spatial hash
#
# \begin{equation*}
# h(i,j)=\big(i\cdot\pi_1\ \oplus\ j\cdot\pi_2\big)\bmod T,\qquad \pi_1=1,\ \pi_2=2\,654\,435\,761, \tag{6}
# \end{equation*}
#
# ($\oplus$ bitwise exclusive or, products in 32-bit unsigned arithmetic). A point $u=\tfrac{x+1}{2}\in[0,1]^2$ falls
# in the cell with lower corner $(i_0,j_0)=\lfloor N_lu\rfloor$ at fractional position $(f_x,f_y)=N_lu-(i_0,j_0)$, and
# gets the bilinear blend of the cell's corners
#
# \begin{equation*}
# e_l(x)=\sum_{d_x,d_y\in\{0,1\}}\big(d_xf_x+(1-d_x)(1-f_x)\big)\big(d_yf_y+(1-d_y)(1-f_y)\big)\,
# \Theta_l\big[h(i_0+d_x,\,j_0+d_y)\big]. \tag{7}
# \end{equation*}
#
# The encoding concatenates $e_0(x),\dots,e_{L-1}(x)$ and a tiny MLP reads it. Hash collisions at fine levels
# are not resolved: colliding vertices share a row and its gradient, and the coarse levels (collision-free)
# plus the MLP disambiguate. There is no spectral bias to fight — a table entry is as free as a pixel.
#
# **Gaussian splatting.** GaussianImage writes the image as $N$ 2-D Gaussians with centres $\mu_i$, covariances
# $\Sigma_i=L_iL_i^\top$ (Cholesky factor, 3 numbers) and colour weights $c_i$ (opacity folded in), summed at
# every pixel — *accumulated summation*, no depth sorting or alpha blending as in 3-D splatting:
#
# \begin{equation*}
# \hat y(p)=\sum_{i=1}^N c_i\exp\!\Big(-\tfrac12(p-\mu_i)^\top\Sigma_i^{-1}(p-\mu_i)\Big). \tag{8}
# \end{equation*}
#
# A grey image needs $6N$ numbers (2 + 3 + 1); the course writes $L_i=\begin{pmatrix}e^{s_1}&0\\ r&e^{s_2}\end{pmatrix}$ so that
# $\Sigma_i$ stays positive definite, and evaluates all quadratic forms as one matrix product (the form is
# quadratic in $p$: six monomials $x^2,xy,y^2,x,y,1$ times six per-Gaussian coefficients).
#
# ## 3. Reference implementations, checked
#
# `fields.psnr` against scikit-image's `peak_signal_noise_ratio` (the oracle); the hash (6) against Python's
# own integer arithmetic; the bilinear blend (7) of a dense level against torch's `grid_sample` (which
# interpolates a grid bilinearly, `align_corners=True` puts its corners on the vertices); and the splatting
# sum (8) against the direct formula with $\Sigma_i^{-1}$ inverted by `torch.linalg.inv`.

# %% tags=["nbval-check-output"]
g_np = np.random.default_rng(0)
noisy = np.clip(camera + 0.05 * g_np.standard_normal(camera.shape), 0, 1)
ours, oracle = fields.psnr(noisy, camera), peak_signal_noise_ratio(camera, noisy, data_range=1.0)
print(f"PSNR of camera + noise: ours {ours:.4f} dB, scikit-image {oracle:.4f} dB "
      f"(held to agree within 1e-9 dB: {'yes' if abs(ours - oracle) < 1e-9 else 'NO'})")

ix, iy = torch.randint(0, 5000, (1000,), generator=gen), torch.randint(0, 5000, (1000,), generator=gen)
ref = [((int(a) * 1) ^ (int(b) * 2654435761 % 2**32)) % 2**12 for a, b in zip(ix, iy)]
n_bad = int((fields.spatial_hash(ix, iy, 2**12) != torch.tensor(ref)).sum())
print(f"spatial hash against Python's uint32 arithmetic: {n_bad} of {len(ref)} vertices differ (exact integers)")

grid = fields.HashGrid(levels=1, features=3, log2_table_size=10, min_resolution=16, max_resolution=16, generator=1)
with torch.no_grad():
    grid.tables[0].normal_(generator=gen)
pts = torch.rand(500, 2, generator=gen) * 2 - 1
table = grid.tables[0].detach().reshape(17, 17, 3).permute(2, 0, 1)[None]     # rows i + 17 j -> [F, j, i]
want = torch.nn.functional.grid_sample(table, pts[None, None], mode="bilinear", align_corners=True)[0, :, 0].T
with torch.no_grad():
    diff = (grid(pts) - want).abs()
print(f"dense level (17 x 17 vertices) vs grid_sample: {int((diff > 1e-5).sum())} of {diff.numel()} features differ "
      "by more than 1e-5")

gi = splatting.GaussianImage(7, generator=2)
with torch.no_grad():
    gi.shear.normal_(generator=gen); gi.log_scales.add_(0.3 * torch.randn(7, 2, generator=gen))
    L = torch.zeros(7, 2, 2)
    L[:, 0, 0], L[:, 1, 1], L[:, 1, 0] = gi.log_scales[:, 0].exp(), gi.log_scales[:, 1].exp(), gi.shear
    P_inv = torch.linalg.inv(L @ L.transpose(1, 2))
    d = pts[:, None, :] - gi.means[None]
    direct = torch.exp(-0.5 * torch.einsum("pni,nij,pnj->pn", d, P_inv, d)) @ gi.colors
    diff = (gi(pts) - direct).abs()
    print(f"splatting (8), matrix-product form vs direct: {int((diff > 1e-5).sum())} of {diff.numel()} pixels differ "
          "by more than 1e-5")

# %% [markdown]
# ## 4. Spectral bias, measured
#
# Split the 2-D spectrum of the residual $\hat y-y$ into four rings of radius $|k|$ (from the lowest
# frequencies to the Nyquist limit and the corners beyond) and divide each ring's energy by the energy
# of the mean-removed image in the same ring (`fields.band_errors`): 1 means "nothing of this band learnt
# yet", 0 a perfect fit. The curves follow the two fits of section 1 every 10 steps.

# %%
BAND_NAMES = ["lowest quarter", "second", "third", "highest (to Nyquist and corners)"]
for key in [("ReLU MLP", 1, s) for s in SEEDS] + [("Fourier features", 1, s) for s in SEEDS]:
    train(*key, bands=True)
fig, axes = plt.subplots(1, 2, figsize=(10, 3.4), sharey=True)
for ax, method in zip(axes, ["ReLU MLP", "Fourier features"]):
    hist = RUNS[(method, 1, 0)][1]
    for b in range(4):
        ax.plot(hist["step"], hist["bands"][:, b], label=BAND_NAMES[b], color=plt.cm.viridis(b / 3))
    ax.set_xlabel("Adam step"); ax.set_title(f"{method} (seed 0)"); ax.set_yscale("log")
axes[0].set_ylabel("residual energy / image energy in the band"); axes[1].legend(fontsize=8)
plt.tight_layout(); plt.show()

# %% tags=["nbval-check-output"]
step_i = RUNS[("ReLU MLP", 1, 0)][1]["step"].index(100)
for method in ["ReLU MLP", "Fourier features"]:
    at100 = np.array([RUNS[(method, 1, s)][1]["bands"][step_i] for s in SEEDS])
    final = np.array([RUNS[(method, 1, s)][1]["bands"][-1] for s in SEEDS])
    print(f"{method:17s} relative error per band (lowest → highest), mean over {len(SEEDS)} seeds")
    print("   after 100 steps: " + ", ".join(f"{m:.2f} ± {s:.2f}" for m, s in zip(at100.mean(0), at100.std(0, ddof=1))))
    print(f"   after {STEPS} steps: " + ", ".join(f"{m:.2f} ± {s:.2f}" for m, s in zip(final.mean(0), final.std(0, ddof=1))))
    print(f"   seeds whose error rises from each band to the next at the end: "
          f"{int((np.diff(final, axis=1) > 0).all(1).sum())}/{len(SEEDS)}")

# %% [markdown]
# The ordering predicted by (2) is there, for all three seeds of both networks: at the end the error rises
# from each band to the next. The raw-coordinate MLP fits its lowest band early (0.19 of the band's energy
# left after 100 steps, 0.05 after 300) while the three upper bands stay near 0.7–0.8 for the whole run.
# Fourier features with $\sigma=3$ move the boundary up, not away: the lowest band is fitted essentially
# exactly, the second to about 0.14 and the third to about 0.6, while the highest band (close to the Nyquist
# frequency of the $64\times64$ grid) ends no better than the raw MLP's. Early on the Fourier MLP's upper bands
# even exceed 1: its random features first *add* high-frequency error. A Gaussian $B$ with $\sigma=3$ puts most
# feature frequencies at a few cycles per unit, well below the grid's 16; the top band needs larger $\sigma$ or
# a different architecture — which is section 5's trade-off.
#
# Rahaman et al. (2019) and Tancik et al. (2020) report this ordering — low frequencies first, and Fourier
# features speeding up the fitting of higher ones — for MLPs on 1-D and 2-D signals (qualitative claims, no
# numbers quoted). We get the same ordering per band with three seeds on a $64\times64$ photograph; the spread
# (the ± above) is small next to the gaps between bands. The rates differ from (2)'s prediction for the
# linearised network because Adam rescales each parameter's step and the network moves far from its
# initialisation in 300 steps.
#
# ## 5. Fourier features: the scale σ, on held-out pixels
#
# Tancik et al. pick $\sigma$ by held-out error: fit on a regular subset of the pixels and test on the rest.
# Here the network sees the pixels with even row *and* even column (a quarter of them) and is scored on the
# other three quarters. Six scales, three seeds each, and the raw-coordinate MLP of the same width for
# reference ($m=64$ features, width 32, depth 2: about 5 200 parameters for 1 024 training pixels — enough to
# memorise them).

# %%
even = torch.zeros(H, H, dtype=torch.bool, device=device)
even[::2, ::2] = True
tr_mask, te_mask = even.reshape(-1), ~even.reshape(-1)
SIGMAS = [0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0] if not FULL else [0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0]
M_SWEEP, W_SWEEP = (64, 32) if not FULL else (256, 128)
sweep = {}                                                  # sigma (0 = raw MLP) -> list over seeds of (train, test)
sweep_images = {}
for sigma in lu.progress_bar([0.0] + SIGMAS, desc="sigma sweep (3 seeds each)"):
    sweep[sigma] = []
    for seed in SEEDS:
        enc = None if sigma == 0 else fields.FourierFeatures(2, M_SWEEP, sigma, generator=1000 + seed)
        net = fields.CoordinateMLP(width=W_SWEEP, depth=2, encoding=enc, generator=seed).to(device)
        hist = fields.fit_field(net, X[tr_mask], Y[tr_mask], steps=STEPS, lr=1e-2, eval_coords=X[te_mask],
                                eval_values=Y[te_mask], log_every=STEPS, generator=seed)
        sweep[sigma].append((hist["train_psnr"], hist["psnr"][-1]))
        if seed == SEEDS[0]:
            sweep_images[sigma] = image_of(net)
sw = {s: np.array(v) for s, v in sweep.items()}

fig, ax = plt.subplots(figsize=(6.5, 3.4))
xs = np.array(SIGMAS)
CAP = 40.0                                               # training PSNR above this: memorised (float32 noise)
for j, (label, color) in enumerate([("training pixels (1/4), capped at 40 dB", "C1"), ("held-out pixels (3/4)", "C0")]):
    v = {s: np.minimum(sw[s][:, j], CAP) for s in [0.0] + SIGMAS}
    ax.errorbar(xs, [v[s].mean() for s in SIGMAS], yerr=[v[s].std(ddof=1) for s in SIGMAS], marker="o", capsize=3,
                label=label, color=color)
    ax.axhline(v[0.0].mean(), color=color, ls=":", lw=1)
ax.set_xscale("log", base=2); ax.set_xlabel("Fourier-feature scale σ (coordinates in [-1, 1])")
ax.set_ylabel("PSNR (dB), mean ± s.d. over seeds"); ax.legend(fontsize=8)
ax.set_title("dotted: the same MLP on raw coordinates", fontsize=9)
plt.tight_layout(); plt.show()

# %% tags=["nbval-check-output"]
print(f"PSNR (dB), mean ± s.d. over {len(SEEDS)} seeds; {int(tr_mask.sum())} training, {int(te_mask.sum())} held-out pixels")
print(f"{'sigma':>10s} {'train (median)':>15s} {'held-out':>14s}")
for s in [0.0] + SIGMAS:
    name = "raw (x, y)" if s == 0 else f"{s:g}"
    med = np.median(sw[s][:, 0])
    tr_text = f"> {CAP:.0f} (memorised)" if med > CAP else f"{med:.1f}"
    print(f"{name:>10s} {tr_text:>15s} {sw[s][:, 1].mean():8.1f} ± {sw[s][:, 1].std(ddof=1):3.1f}")
best = max(SIGMAS, key=lambda s: sw[s][:, 1].mean())
print(f"held-out PSNR at the largest sigma is {sw[best][:, 1].mean() - sw[SIGMAS[-1]][:, 1].mean():.1f} dB below the best "
      f"sigma's; at the smallest, {sw[best][:, 1].mean() - sw[SIGMAS[0]][:, 1].mean():.1f} dB below")

# %% [markdown]
# Both failure modes of (3) appear. At the smallest $\sigma$ the training and held-out PSNR are close
# together and low (about 23 and 22 dB): the field is smooth, blur limits it everywhere alike — though it is
# already better than the raw MLP (the dotted lines, about 19 dB). The held-out PSNR is highest, about 24 dB,
# for $\sigma$ between 0.5 and 1 (the two are equal within their spread). From $\sigma=2$ on, the network reproduces
# its 1 024 training pixels to better than 40 dB (memorised) while the held-out PSNR falls — to about 19 dB
# at $\sigma=4$ and about 9 dB at $\sigma\ge8$, ten dB *below* the raw MLP: between the training pixels the field
# is high-frequency noise. (Our coordinates span $[-1,1]$, twice Tancik et al.'s $[0,1]$, so our $\sigma$
# corresponds to their $2\sigma$.)
#
# Tancik et al. report the same shape for 2-D image regression (an optimum $\sigma$ for held-out PSNR,
# underfitting below it, overfitting above; qualitative, their numbers not quoted here). We get the shape at
# $64\times64$ with three seeds, the seeds' spread far smaller than the drop at large $\sigma$. Where the
# optimum sits differs from their images because it depends on the image's spectrum and on the sampling
# density: every other pixel of a $64\times64$ image is a much coarser sampling than theirs, so the useful
# frequencies stop lower.
#
# ## 6. SIREN: why the initialisation matters
#
# Push 4 096 coordinates through eight sine layers of width 256 (no training) and record each layer's
# activations: with Sitzmann et al.'s initialisation (5) and $\omega_0=30$, and with PyTorch's default
# initialisation $\mathcal U(\pm1/\sqrt n)$ at $\omega_0=1$. The proposition predicts the variance of the next layer from the
# current one; the dashed lines are that prediction, iterated from the measured first layer.

# %%
depth, width = 8, 256
acts = {}
for name, kw in {"SIREN init, ω0 = 30": dict(init="siren", w0=30.0),
                 "PyTorch default init, ω0 = 1": dict(init="default", w0=1.0)}.items():
    net = fields.Siren(width=width, depth=depth, generator=3, **kw).to(device)
    with torch.no_grad():
        acts[name] = [lu.to_numpy(a) for a in net.activations(X)]


def predicted_std(a1, w0, c2n, layers, n=width):
    """Iterate the proposition from the first layer's activation variance a1 (c2n = c² · n), with the
    biases' variance c²/3 added to the pre-activation's (the remark below the proposition)."""
    a, out = a1, [np.sqrt(a1)]
    for _ in range(layers - 1):
        v = w0 ** 2 * c2n / 3 * (a + 1 / n)
        a = 0.5 * (1 - np.exp(-2 * v))
        out.append(np.sqrt(a))
    return np.array(out)


fig, axes = plt.subplots(1, 3, figsize=(12, 3.3))
for (name, A), color, (w0, c2n) in zip(acts.items(), ["C0", "C3"], [(30.0, 6 / 900), (1.0, 1.0)]):
    stds = np.array([a.std() for a in A])
    axes[0].plot(range(1, depth + 1), stds, "o-", color=color, label=name)
    axes[0].plot(range(1, depth + 1), predicted_std(stds[0] ** 2, w0, c2n, depth), "--", color=color, lw=1)
axes[0].set_yscale("log"); axes[0].set_xlabel("layer"); axes[0].set_ylabel("std of activations")
axes[0].legend(fontsize=8); axes[0].set_title("measured (dots) and the proposition (dashed)", fontsize=9)
for ax, (name, A) in zip(axes[1:], acts.items()):
    for l in [0, 3, 7]:
        ax.hist(A[l].ravel(), bins=60, histtype="step", density=True, label=f"layer {l + 1}")
    ax.set_title(name, fontsize=9); ax.set_xlabel("activation"); ax.legend(fontsize=8)
plt.tight_layout(); plt.show()

# %% tags=["nbval-check-output"]
for (name, A), (w0, c2n) in zip(acts.items(), [(30.0, 6 / 900), (1.0, 1.0)]):
    stds = np.array([a.std() for a in A])
    pred = predicted_std(stds[0] ** 2, w0, c2n, depth)
    print(f"{name}: std per layer " + ", ".join(f"{s:.3f}" for s in stds))
    print(f"   proposition: " + ", ".join(f"{s:.3f}" for s in pred)
          + f"; largest relative deviation {np.max(np.abs(stds - pred) / pred):.2f} (bound 0.15)")
print(f"fixed point of v -> 1 - exp(-2v): std sqrt(v*/2) = {np.sqrt(0.7968 / 2):.3f}")
last = acts["PyTorch default init, ω0 = 1"][-1]
print(f"default init, layer {depth}: the part that varies with the input (std over the 4096 inputs, mean over units) "
      f"{last.std(0).mean():.4f} of the total {last.std():.3f}")

# %% [markdown]
# With the SIREN initialisation the standard deviation starts at $\sqrt{1/2}\approx0.707$ (the arcsine output of
# the first layer) and settles at the proposition's fixed point, 0.63, from the fourth layer on; the
# histograms keep their shape. With the default initialisation at $\omega_0=1$ each layer divides the variance by
# about three until the biases' floor ($\approx\sqrt{1/(2n)}=0.044$ for $n=256$) is reached: at layer 8 the
# activations' standard deviation is 0.045, and the part of it that depends on the input is about ten times
# smaller still — the network's output no longer sees the coordinates, and by the same factor per layer
# almost no gradient reaches the first layers. Both measured curves follow the iterated recursion (dashed)
# within a few per cent; at width 256 the central-limit approximation is good. (The third choice, the
# default initialisation with $\omega_0=30$, keeps the variance bounded but multiplies the pre-activations' scale
# by about 17 per layer: the output is dominated by very high frequencies, Sitzmann et al.'s other failure mode.)
#
# Sitzmann et al. argue (their supplement) that with this initialisation the pre-activations stay
# approximately normal and the activations approximately arcsine-distributed through the layers, and show
# the distributions stable with depth; as we read it, the arcsine law (standard deviation 0.707) is their
# large-variance approximation. We get exact stability at a slightly smaller standard deviation, 0.63, which the
# recursion explains: a pre-activation of variance 0.8 wraps around the sine too rarely to make its output
# exactly arcsine. The difference is one of approximation, not of behaviour.
#
# ## 7. Four fields and Gaussians at equal budgets
#
# Every method at three sizes (the first seed), and three seeds at the middle size. Parameters are
# counted by `training.count_parameters`; the Fourier matrix $B$ is a fixed buffer regenerated from its
# seed and not counted. Stored as float16, a field costs 2 bytes per parameter; the JPEG reference is the
# best Pillow JPEG (whole file, headers and optimised Huffman tables included) that fits in the same number
# of bytes. All methods are trained on all pixels and scored on all pixels — compression, where fitting the
# image is the goal. Learning rates: for each coordinate network the best of $10^{-3}$, $3\cdot10^{-3}$ and $10^{-2}$ on the first seed,
# from a search made while writing the lesson ($3\cdot10^{-3}$ for SIREN, $10^{-2}$ for the others; the Gaussians use $10^{-2}$, not searched); the Fourier
# scale $\sigma=3$ of this full-image fit was chosen the same way, from 1, 3 and 10.

# %%
METHODS = ["ReLU MLP", "Fourier features", "SIREN", "hash grid", "Gaussians"]
jobs = [(m, s, SEEDS[0]) for m in METHODS for s in range(3)] + [(m, 1, s) for m in METHODS for s in SEEDS[1:]]
for job in lu.progress_bar(jobs, desc="fields and Gaussians"):
    train(*job, bands=job[0] in ("ReLU MLP", "Fourier features") and job[1] == 1)


def params(method, size, seed=0):
    return training.count_parameters(RUNS[(method, size, seed if (method, size, seed) in RUNS else 0)][0])


def jpeg_psnr(n_bytes):
    dec, used, q = fields.jpeg_at_bytes(camera, n_bytes)
    return (np.nan, used, q) if dec is None else (fields.psnr(dec, camera), used, q)


fig, axes = plt.subplots(1, 2, figsize=(11, 3.8))
for i, m in enumerate(METHODS):
    n_p = [params(m, s) for s in range(3)]
    ps = [RUNS[(m, s, SEEDS[0])][1]["psnr"][-1] for s in range(3)]
    axes[0].plot(np.array(n_p) * 2, ps, "o-", color=f"C{i}", label=m)
    mid = np.array([RUNS[(m, 1, s)][1]["psnr"][-1] for s in SEEDS])
    axes[0].errorbar(n_p[1] * 2, mid.mean(), yerr=mid.std(ddof=1), color=f"C{i}", capsize=4)
    hist = RUNS[(m, 1, SEEDS[0])][1]
    axes[1].plot(hist["seconds"], hist["psnr"], color=f"C{i}", label=m)
budget = np.unique(np.geomspace(250, 2.5 * max(2 * params(m, 2) for m in METHODS), 14).astype(int))
jp = [jpeg_psnr(int(b)) for b in budget]
axes[0].plot([u for _, u, _ in jp], [p for p, _, _ in jp], "k--", label="JPEG (Pillow)")
axes[0].set_xscale("log"); axes[0].xaxis.set_minor_formatter(plt.NullFormatter())
if not FULL:
    axes[0].set_xticks([300, 1000, 3000, 10000], ["300", "1 000", "3 000", "10 000"])
axes[0].set_xlabel("bytes (float16 parameters; JPEG file size)"); axes[0].set_ylabel("PSNR (dB)")
axes[0].axvline(H * H, color="grey", ls=":", lw=1); axes[0].text(H * H, axes[0].get_ylim()[0] + 1, " raw 8-bit image",
                                                              fontsize=8, color="grey")
axes[0].legend(fontsize=8); axes[0].set_title(f"after {STEPS} steps (error bar: {len(SEEDS)} seeds)", fontsize=9)
axes[1].set_xlabel("training time (s, this machine; evaluation excluded)"); axes[1].set_ylabel("PSNR (dB)")
axes[1].set_title("middle size, first seed", fontsize=9); axes[1].legend(fontsize=8)
plt.tight_layout(); plt.show()

# %% tags=["nbval-check-output"]
print(f"middle size, PSNR after {STEPS} steps, mean ± s.d. over {len(SEEDS)} seeds; JPEG: the best file within the same bytes")
print(f"{'method':17s} {'params':>7s} {'bytes':>6s} {'PSNR (dB)':>13s} {'JPEG (dB)':>10s} {'JPEG q':>6s}")
mid_psnr = {}
for m in METHODS:
    v = np.array([RUNS[(m, 1, s)][1]["psnr"][-1] for s in SEEDS])
    mid_psnr[m] = v
    jb = jpeg_psnr(2 * params(m, 1))
    print(f"{m:17s} {params(m, 1):7d} {2 * params(m, 1):6d} {v.mean():7.1f} ± {v.std(ddof=1):3.1f} {jb[0]:10.1f} {jb[2]:6d}")
gap_min = min(jpeg_psnr(2 * params(m, 1))[0] - mid_psnr[m].max() for m in METHODS)
print(f"JPEG at equal bytes is ahead of every method's best seed by at least {gap_min:.1f} dB")

# %%
# not checked: margins between neighbours in the ranking, and timings (machine-dependent)
ranked = sorted(METHODS, key=lambda m: -mid_psnr[m].mean())
print("ranking by mean; margin = worst seed of the first minus best seed of the second (> 0: the seeds separate them)")
for a, b in zip(ranked[:-1], ranked[1:]):
    print(f"  {a} > {b}: margin {mid_psnr[a].min() - mid_psnr[b].max():+.1f} dB")
for m in METHODS:
    hist = RUNS[(m, 1, SEEDS[0])][1]
    hit = [t for t, p in zip(hist["seconds"], hist["psnr"]) if p >= 25]
    print(f"{m:17s} {hist['seconds'][-1]:5.2f} s for {STEPS} steps; reaches 25 dB "
          + (f"after {hit[0]:.2f} s" if hit else "not within the run"))

# %% [markdown]
# **What the table says.** At about 1 300 parameters (2.6 kB in float16) SIREN is the best field, its worst
# seed above the hash grid's best; the hash grid and Fourier features overlap (the margins above); the
# raw-coordinate ReLU MLP is last, more than 5 dB behind every other coordinate network and 3.5 dB behind the
# Gaussians of half its bytes. The Gaussians, with 100 × 6 = 600
# parameters, sit near the hash grid of the same byte count in the left panel, below SIREN. JPEG is far ahead of
# all of them at equal bytes — about 50 dB at 2.6 kB. That is not a failure of the implementations: a $64\times64$
# grey image is 4 096 bytes raw, so a 2.6 kB field spends about 5 bits per pixel, a regime where JPEG is nearly
# lossless, and 300 Adam steps are far from converged (every curve in the right panel is still rising). The cell
# above says, for this machine, how soon each method passes 25 dB.
#
# **Against the papers.** Sitzmann et al. report SIREN fitting images far more accurately than ReLU
# MLPs with or without positional encoding (their cameraman comparison of activations and encodings);
# Müller et al. report the hash encoding reaching a given quality in a fraction of the training time of
# frequency encodings (their gigapixel-image and radiance-field experiments, on a GPU); GaussianImage reports
# representation quality rivalling WIRE and Instant-NGP with faster fitting and rendering, and, after
# quantising its attributes, a rate–distortion performance comparable to the neural-field codecs COIN and
# COIN++. Except GaussianImage's speeds in section 8, we quote none of their numbers. We get their *ordering*
# of the fields — SIREN first, then the hash grid and Fourier features, raw ReLU last — at CPU scale with three
# seeds, and JPEG far ahead at equal bytes. The
# difference comes from scale and quantisation: compressive neural fields (COIN, Dupont et al. 2021;
# GaussianImage's codec) win only at low bit rates (well under one bit per pixel) on large images, after many
# thousands of steps and with weights quantised below 16 bits — where JPEG's block artefacts and its headers of
# a few hundred bytes dominate. On this $64\times64$ image Pillow's JPEG cannot even go below about 220 bytes (quality 1).
#
# **Beyond the three techniques.** The other papers of this lesson attack the same two limits. *Learned
# Initializations* (Tancik et al. 2021) meta-learn the starting weights over a family of signals, so
# fitting a new image needs far fewer steps (they report large speed-ups in steps to a given PSNR;
# qualitative here). *Coordinate-Aware Modulation* (Lee et al. 2024) injects grid features into the
# MLP's hidden layers as per-coordinate scales and shifts instead of feeding them in at the input, keeping
# the MLP's compactness with a grid's freedom from spectral bias. *SL²A-INR* (Heidari et al. 2025) learns
# the activation itself — a single layer of Chebyshev-polynomial activations followed by a ReLU network —
# to tune the spectral bias directly.
#
# ## 8. Gaussians: PSNR against their number

# %% tags=["nbval-check-output"]
n_g = [50, 100, 200] if not FULL else [800, 1600, 3200]
print(f"Gaussian splatting after {STEPS} steps (6 numbers per Gaussian, float16)")
for s, n in enumerate(n_g):
    vals = np.array([RUNS[("Gaussians", s, seed)][1]["psnr"][-1] for seed in SEEDS if ("Gaussians", s, seed) in RUNS])
    spread = f" ± {vals.std(ddof=1):.1f} ({len(vals)} seeds)" if len(vals) > 1 else " (1 seed)"
    jb = jpeg_psnr(12 * n)
    jtext = f"{jb[0]:.1f} dB" if np.isfinite(jb[0]) else f"impossible (smallest JPEG {jb[1]} bytes)"
    print(f"  N = {n:5d}: {12 * n:6d} bytes, PSNR {vals.mean():.1f}{spread}; JPEG within the same bytes: {jtext}")

# %%
gm = RUNS[("Gaussians", 2, SEEDS[0])][0]
fig, axes = plt.subplots(1, 3, figsize=(10, 3.3))
axes[0].imshow(camera, cmap="gray", vmin=0, vmax=1); axes[0].set_title("target", fontsize=9)
axes[1].imshow(image_of(gm), cmap="gray", vmin=0, vmax=1)
axes[1].set_title(f"{n_g[2]} Gaussians: {RUNS[('Gaussians', 2, SEEDS[0])][1]['psnr'][-1]:.1f} dB", fontsize=9)
mu = lu.to_numpy(gm.means)
axes[2].imshow(image_of(gm), cmap="gray", vmin=0, vmax=1, alpha=0.4)
axes[2].scatter((mu[:, 0] + 1) / 2 * H - 0.5, (mu[:, 1] + 1) / 2 * H - 0.5, s=4, c="C3")
axes[2].set_xlim(-0.5, H - 0.5); axes[2].set_ylim(H - 0.5, -0.5); axes[2].set_title("their centres", fontsize=9)
for ax in axes:
    ax.axis("off")
plt.tight_layout(); plt.show()

# %% [markdown]
# PSNR grows with $N$, by about 1.3–1.4 dB per doubling here, and JPEG within the same bytes is ahead at every
# $N$ (by 6 dB at 600 bytes, by more as the budget grows). After 300 steps the centres are still spread much as
# they started (uniformly), and the reconstruction is a smooth version of the image: the Gaussians have not yet
# had time to migrate to the edges.
#
# GaussianImage's abstract reports representation quality rivalling implicit representations (WIRE,
# Instant-NGP) with at least 3× less GPU memory, 5× faster fitting and rendering at 1 500–2 000 frames per
# second, using many thousands of steps and a tile-based CUDA rasteriser. We get Gaussians that, at equal bytes and 300
# steps, sit between the weakest and the best coordinate networks; the difference comes from the training
# budget (two orders of magnitude fewer steps) and the cost of our dense sum (8), $O(PN)$ per step, which limits a
# CPU run to a few hundred Gaussians; their rasteriser only evaluates each Gaussian near its centre.
#
# ## 9. Scaling: cost per training step
#
# One forward and backward pass over all $P$ pixels: the MLPs cost $O(P\cdot|\theta|)$, the hash grid
# $O(P\,(4LF+|\theta_{\rm MLP}|))$ (four table reads per level, independent of the table size $T$), the Gaussians
# $O(PN)$. Timed at growing image sizes with `lu.Benchmark` (single-threaded on the CPU, its default).

# %%
bench_h = [32, 64, 128] if not FULL else [128, 256, 512, 1024]
bench = lu.Benchmark("one forward + backward pass over all pixels (middle sizes)", size_label="pixels P")


def step_fn(model, coords):
    def run():
        model.zero_grad(set_to_none=True)
        model(coords).square().mean().backward()
    return run


for hb in lu.progress_bar(bench_h, desc="benchmark sizes"):
    Xb = fields.pixel_grid(hb, hb)
    for m in ["ReLU MLP", "SIREN", "hash grid", "Gaussians"]:
        bench.run(m, hb * hb, step_fn(make(m, 1, 0), Xb))
    if device.type != "cpu":
        bench.run(f"hash grid ({device.type})", hb * hb, step_fn(make("hash grid", 1, 0).to(device), Xb.to(device)),
                  device=device)
bench.plot(); plt.show()
bench.report()

# %%
print("log-log slope in P (all O(P) at fixed size): " + ", ".join(
    f"{m} {bench.slope(m):.2f}" for m in ["ReLU MLP", "SIREN", "hash grid", "Gaussians"]))

# %% [markdown]
# The printed slopes are at most about 1, as the $O(P)$ costs predict; below 1 where per-call overheads still
# dominate these small images (the hash grid's many small gathers most of all). What differs is the constant:
# per pixel, the Gaussians pay for every one of the $N$ Gaussians, the hash grid for $4L$ table reads plus a
# tiny MLP. On a GPU both parallelise over pixels; Instant-NGP's speed comes from doing the table reads and the
# MLP in fused CUDA kernels, which this torch version does not attempt.
#
# ## 10. Explore: the Fourier scale σ
#
# Move $\sigma$ through the sweep of section 5: the full image predicted by the network that saw only a quarter of
# the pixels (seed 0), with its training and held-out PSNR, and the error per frequency band of section 4
# over the whole image, next to the raw-coordinate MLP's. Small $\sigma$: a smooth image whose error sits in the
# upper bands. Large $\sigma$: the training pixels exact, the image speckled, and the error *above* 1 in the
# upper bands — the field adds high-frequency energy the image does not have.

# %% tags=["nbval-ignore-output"]
def draw(sigma_index):
    s = SIGMAS[int(sigma_index)]
    img = sweep_images[s]
    train_db, test_db = sweep[s][0]
    fig, axes = plt.subplots(1, 2, figsize=(8, 3.4), gridspec_kw={"width_ratios": [1, 1.2]})
    axes[0].imshow(img, cmap="gray", vmin=0, vmax=1); axes[0].axis("off")
    train_text = "> 40 dB" if train_db > 40 else f"{train_db:.1f} dB"
    axes[0].set_title(f"σ = {s:g}: train {train_text}, held-out {test_db:.1f} dB", fontsize=9)
    errs = lu.to_numpy(fields.band_errors(torch.tensor(img), torch.tensor(camera)))
    raw = lu.to_numpy(fields.band_errors(torch.tensor(sweep_images[0.0]), torch.tensor(camera)))
    pos = np.arange(4)
    axes[1].bar(pos - 0.2, raw, 0.4, color="grey", label="raw (x, y)")
    axes[1].bar(pos + 0.2, errs, 0.4, color="C0", label=f"Fourier features, σ = {s:g}")
    axes[1].set_xticks(pos, ["lowest", "2nd", "3rd", "highest"]); axes[1].set_yscale("log"); axes[1].set_ylim(1e-3, 30)
    axes[1].axhline(1, color="k", lw=0.8, ls=":")
    axes[1].set_xlabel("frequency band (whole image)"); axes[1].set_ylabel("residual / image energy")
    axes[1].legend(fontsize=8)
    plt.tight_layout()


lu.explore(draw, sigma_index=(0, len(SIGMAS) - 1, 1, 2), frames=len(SIGMAS))

# %% [markdown]
# ## 11. Exercises
#
# :::{exercise} 22.bound · A variance-preserving initialisation
# :label: ex-22-bound
# :nonumber:
# Generalise (5). A sine layer $z=\omega_0\,w^\top h$ has fan-in $n$, weights $\mathcal U(-c,c)$ and inputs whose entries are
# independent with mean 0 and variance `act_var` (not necessarily $\tfrac12$). Derive the half-width $c$ that
# makes $\operatorname{Var} z=1$, and write `variance_preserving_bound(fan_in, w0, act_var)` returning it. The check
# compares with a simulation of many such layers.
# :::

# %%
def variance_preserving_bound(fan_in, w0, act_var):
    # YOUR CODE HERE
    raise NotImplementedError


# %%
variance_preserving_bound = lu.check("22.bound", variance_preserving_bound)

# %% [markdown] tags=["solution"]
# :::{solution} ex-22-bound
# :class: dropdown
# The course's solution, from `solutions/22_neural_fields.py` (in JupyterLab, print it with `lu.show_solution("22.bound")`):
# ```{literalinclude} ../solutions/22_neural_fields.py
# :pyobject: variance_preserving_bound
# ```
# :::

# %% [markdown]
# :::{exercise} 22.bilinear · Bilinear interpolation of a feature grid
# :label: ex-22-bilinear
# :nonumber:
# Write `bilinear_np(grid, xy)` in NumPy: `grid: (R+1, R+1, F)` holds the features of the vertices of an
# $R\times R$ grid on $[0,1]^2$, indexed `grid[j, i]` for the vertex at $(x, y)=(i/R,\ j/R)$ (row = $y$, like an image);
# `xy: (n, 2)` are points in $[0,1]^2$. Return their features `(n, F)` by (7) — the dense level of a hash grid.
# Points on the right or bottom edge ($x=1$ or $y=1$) belong to the last cell.
# :::

# %%
def bilinear_np(grid, xy):
    # YOUR CODE HERE
    raise NotImplementedError


# %%
bilinear_np = lu.check("22.bilinear", bilinear_np)

# %% [markdown] tags=["solution"]
# :::{solution} ex-22-bilinear
# :class: dropdown
# The course's solution, from `solutions/22_neural_fields.py` (in JupyterLab, print it with `lu.show_solution("22.bilinear")`):
# ```{literalinclude} ../solutions/22_neural_fields.py
# :pyobject: bilinear_np
# ```
# :::

# %% [markdown]
# :::{exercise} 22.sigma · Choose the Fourier features for another image
# :label: ex-22-sigma
# :nonumber:
# A small open experiment. The check fits the MLP of section 5 (width 32, depth 2, 300 full-batch Adam steps at
# learning rate 0.01) with your Fourier features to a different image — scikit-image's `coins()`, averaged
# down to $48\times48$ — on the even-row, even-column pixels, and scores the held-out ones. Write
# `choose_fourier_features()` returning `(sigma, n_features)` with `n_features` at most 64 that reaches a held-out
# PSNR of at least 20 dB (a raw-coordinate MLP gets about 15 dB there). Use section 5's code on this image to try
# values before you commit: the best $\sigma$ for one image and sampling need not be the best for another.
# :::

# %%
def choose_fourier_features():
    # YOUR CODE HERE
    raise NotImplementedError


# %%
choose_fourier_features = lu.check("22.sigma", choose_fourier_features)

# %% [markdown] tags=["solution"]
# :::{solution} ex-22-sigma
# :class: dropdown
# The course's solution, from `solutions/22_neural_fields.py` (in JupyterLab, print it with `lu.show_solution("22.sigma")`):
# ```{literalinclude} ../solutions/22_neural_fields.py
# :pyobject: choose_fourier_features
# ```
# :::

# %% [markdown]
# ## Summary
#
# - A neural field stores a signal as a function of its coordinates; its error is measured in PSNR (1),
#   here checked against scikit-image.
# - A ReLU MLP on raw coordinates fits low frequencies first (the linearised dynamics (2)); measured per
#   frequency band, its high bands barely move in a few hundred steps.
# - Fourier features (3) widen the kernel's bandwidth with $\sigma$: too small blurs, too large memorises the
#   training pixels and fills the gaps with noise — the optimum is found on held-out pixels.
# - SIREN (4) needs its initialisation (5): with it, the activations' variance follows $v\mapsto1-e^{-2v}$ to a fixed
#   point ({prf:ref}`prop-22-siren`); with PyTorch's default at $\omega_0=1$ it shrinks about threefold per layer, down to a floor set by the biases.
# - The multiresolution hash grid (6)–(7) has no spectral bias: trainable tables read at four corners per
#   level, collisions left to the MLP. Gaussian splatting (8) is the explicit alternative: $6N$ numbers, trained
#   by the same loop.
# - At CPU scale and equal bytes JPEG beats every field we trained; the fields' ordering (SIREN first, hash grid and
#   Fourier features next, raw ReLU last) matches the papers' qualitative claims.
#
# **Further reading.** Dupont et al., *COIN: COmpression with Implicit Neural representations* (2021) for neural
# fields as codecs; Xie et al., *Neural Fields in Visual Computing and Beyond* (Eurographics STAR 2022) for the
# whole field; Kerbl et al., *3D Gaussian Splatting for Real-Time Radiance Field Rendering* (SIGGRAPH 2023) for
# the 3-D ancestor of GaussianImage; Jacot, Gabriel, Hongler, *Neural Tangent Kernel* (NeurIPS 2018) for (2).
