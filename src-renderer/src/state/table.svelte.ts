import { DEFAULT_PAGE_SIZE, clampOffset, filterRows, pageOf, sortRows, toCsv, type TableColumn, type TableFilter, type TableSort } from '../lib/table'

/**
 * The choices of one table whose rows are all in the page (leaderboard, trials, A/B, compare):
 * its sort, text filter (over the row and per column) and page. `rows` and `columns` are read
 * through getters so the table follows the view's props; `shown` is every row the filter keeps in
 * the sort's order (what the CSV holds), `page` the slice the DOM renders (at most `pageSize`).
 */
export class TableView<R> {
  sort = $state.raw<TableSort | null>(null)
  filter = $state.raw<TableFilter>({})
  offset = $state(0)
  pageSize = $state(DEFAULT_PAGE_SIZE)

  readonly shown: R[] = $derived.by(() => sortRows(filterRows(this.source.rows(), this.source.columns(), this.filter), this.source.columns(), this.sort))
  readonly start: number = $derived.by(() => clampOffset(this.offset, this.pageSize, this.shown.length))
  readonly page: R[] = $derived.by(() => pageOf(this.shown, this.start, this.pageSize))

  constructor(
    private readonly source: { rows: () => readonly R[]; columns: () => readonly TableColumn<R>[]; nextSort?: (current: TableSort | null, key: string) => TableSort },
    sort: TableSort | null = null
  ) {
    this.sort = sort
  }

  /** Clicking a heading: the view's rule for a new column's first direction, else asc then flip. */
  sortBy(key: string): void {
    const cur = this.sort
    this.sort = this.source.nextSort ? this.source.nextSort(cur, key) : cur?.key === key ? { key, dir: cur.dir === 'asc' ? 'desc' : 'asc' } : { key, dir: 'asc' }
    this.offset = 0
  }

  dirOf(key: string): 'asc' | 'desc' | null {
    return this.sort?.key === key ? this.sort.dir : null
  }

  setText(text: string): void {
    this.filter = { ...this.filter, text }
    this.offset = 0
  }

  setColumnFilter(key: string, text: string): void {
    this.filter = { ...this.filter, columns: { ...this.filter.columns, [key]: text } }
    this.offset = 0
  }

  clearFilters(): void {
    this.filter = {}
    this.offset = 0
  }

  goTo(offset: number): void {
    this.offset = clampOffset(offset, this.pageSize, this.shown.length)
  }

  setPageSize(n: number): void {
    this.pageSize = n
    this.offset = 0
  }

  /** Every shown row (all pages, filtered and sorted) with the given columns. */
  csv(columns: readonly TableColumn<R>[] = this.source.columns()): string {
    return toCsv(columns, this.shown)
  }
}
