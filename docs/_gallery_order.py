"""The order of the gallery: its topics, and within each, from a first fit to the comparisons."""

SUBSECTIONS = ["readings", "metric_learning", "kernels", "speed"]

ORDER = [
    "plot_quick_start.py",
    "plot_rank_sweep.py",
    "plot_spectrum.py",
    "plot_regression_subspace.py",
    "plot_knn_vs_nca.py",
    "plot_mnist_projection.py",
    "plot_transformer_vs_kernel_approximation.py",
    "plot_learned_kernel_svc.py",
    "plot_gp_regression.py",
    "plot_partial_fit.py",
    "plot_mnist_frontier.py",
]


class GalleryOrder:
    """Sort key for sphinx-gallery's ``within_subsection_order``: listed files first."""

    def __init__(self, src_dir):
        self.src_dir = src_dir

    def __call__(self, filename):
        position = ORDER.index(filename) if filename in ORDER else len(ORDER)
        return position, filename

    def __repr__(self):
        return "GalleryOrder"
