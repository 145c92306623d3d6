"""Charts, one module per stage: functions ``data -> alt.Chart``. Import the module you need (Altair is heavy)."""
