"""ipywidgets views, one module per stage. No business logic, no SQL.

Import the module you need (``workbench.ui.welcome``); this package imports
nothing heavy so participant kernels stay small.
"""
