// jupyter-matplotlib names a declaration file its package does not ship.
declare module 'jupyter-matplotlib';
