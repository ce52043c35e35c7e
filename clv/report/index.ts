export * from './clv-report';
export { renderHtml, renderTable, lineChartSvg, histogramSvg, REPORT_TITLE } from './render';
