// ipympl's front end (`%matplotlib widget`): a matplotlib figure drawn on a
// canvas from the PNG frames the kernel sends as binary buffers, panned and
// zoomed from its toolbar. Loaded with the first such figure.

export * from 'jupyter-matplotlib';
